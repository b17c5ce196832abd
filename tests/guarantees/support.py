"""What the guarantees service's API tests share: an app with a clock the test controls, tokens,
funds, placements waiting for a guarantee (as matching's and listings' events leave them), files, an
approved file whose lease activated its guarantee, and a raw view of the tables."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.inventories import InventorySigned
from abri_contracts.matching import LeaseSigned
from abri_guarantees.db.read_models import PlacementView, UnitFacts
from abri_guarantees.events.placements import on_inventory_signed, on_lease_signed
from abri_guarantees.main import create_app
from abri_guarantees.settings import GuaranteesSettings
from tests.oidc_issuer import TestIssuer
from tests.support import credentials, database_url, kafka_bootstrap

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TENANT = {
    "first_names": "Oksana",
    "last_name": "Kovalenko-Durand",
    "birth_date": "2000-05-17",
    "email": "oksana.k@example.org",
    "phone": "+33 6 12 34 56 78",
    "resources_cents": 180_000,
    "housing_benefit_cents": 20_000,
}


SEEN_ELSEWHERE = {"missing_documents": {"reason": "equivalent_proof_seen", "note": "The agent saw the payslips in the fund's own file."}}
"""An approval without the required pieces, the fund having seen equivalent proof: the tests' files carry no documents."""
TO_FOLLOW = {"missing_documents": {"reason": "documents_to_follow", "note": "The association sends the payslips this week."}}
"""An approval whose required pieces follow: the association adds them until the lease, which activates the guarantee only then."""
"""The stated reason an agent gives to approve a file that lacks documents the fund requires."""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


Api = tuple[FastAPI, httpx.AsyncClient, Clock]


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer, **changes: Any) -> AsyncIterator[Api]:
    """The service in-process (no consumer: tests hand it events), on a clock the test controls."""
    settings = GuaranteesSettings(
        database_url=database_url("guarantees"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        **changes,
    )
    clock = Clock()
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://guarantees") as client:
            yield app, client, clock


@pytest.fixture
async def api(issuer: TestIssuer) -> AsyncIterator[Api]:
    async with serve(issuer) as served:
        yield served


def as_(issuer: TestIssuer, sub: str, role: str, org_id: str | None) -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=sub, roles=[role], **claims)}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(3).hex()}"


async def new_fund(client: httpx.AsyncClient, issuer: TestIssuer, kind: str = "visale") -> str:
    fund_id = unique(f"fund-{kind}")
    response = await client.post("/v1/funds", json={"fund_id": fund_id, "name": f"Fund {fund_id}", "kind": kind}, headers=ops(issuer))
    assert response.status_code == 201, response.text
    return fund_id


def ops(issuer: TestIssuer) -> dict[str, str]:
    return as_(issuer, "ops-1", "ops", None)


async def waiting_placement(
    org_id: str, *, rent: int = 60_000, charges: int = 5_000, departement: str = "69", energy: str = "D", owner: str = "owner-g"
) -> str:
    """A placement waiting for a guarantee and its unit, as matching's and listings' events leave them."""
    placement_id, unit_id = uuid.uuid4(), uuid.uuid4()
    engine = create_async_engine(database_url("guarantees"))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(UnitFacts).values(
                    unit_id=unit_id, version=3, owner_id=owner, status="reserved", departement=departement,
                    rent_cents=rent, charges_cents=charges, energy_class=energy,
                )
            )  # fmt: skip
            await conn.execute(
                sa.insert(PlacementView).values(
                    placement_id=placement_id, org_id=org_id, unit_id=unit_id, status="awaiting_guarantee", requested_at=START
                )
            )
    finally:
        await engine.dispose()
    return str(placement_id)


async def _one(url_variable: str, statement: str, **params: str) -> Any:
    """One value read from the key store or the erasure ledger (``url_variable``), None if no row."""
    engine = create_async_engine(credentials()[url_variable])
    try:
        async with engine.connect() as conn:
            return await conn.scalar(sa.text(statement), params)
    finally:
        await engine.dispose()


async def key_of(file_id: str) -> bytes | None:
    """The file's wrapped data key, as the key store holds it (None once shredded)."""
    query = "SELECT wrapped FROM data_keys WHERE namespace = 'guarantee-file' AND owner_id = :id"
    found = await _one("ABRI_GUARANTEES_KEYSTORE_URL", query, id=file_id)
    return None if found is None else bytes(found)


async def erased_in_ledger(file_id: str) -> str | None:
    """Who asked for the file's erasure, as the erasure ledger says (None: never erased)."""
    query = "SELECT requested_by FROM erasures WHERE namespace = 'guarantee-file' AND subject_id = :id"
    found = await _one("ABRI_GUARANTEES_LEDGER_URL", query, id=file_id)
    return None if found is None else str(found)


async def raw_rows(*tables: str) -> str:
    """Every row of the tables, as PostgreSQL prints them (bytea as hex): what a database dump shows."""
    engine = create_async_engine(database_url("guarantees"))
    texts: list[str] = []
    try:
        async with engine.connect() as conn:
            for table in tables:
                texts.extend(str(row[0]) for row in await conn.execute(sa.text(f"SELECT t::text FROM {table} t")))  # noqa: S608
    finally:
        await engine.dispose()
    return "\n".join(texts)


async def submit(client: httpx.AsyncClient, worker: dict[str, str], placement_id: str, fund_id: str, **tenant: Any) -> httpx.Response:
    return await client.post(
        "/v1/files", json={"placement_id": placement_id, "fund_id": fund_id, "tenant": {**TENANT, **tenant}}, headers=worker
    )


@dataclass
class Guaranteed:
    """An approved file whose lease activated its guarantee, and who is who around it."""

    fund: str
    association: str
    owner: str
    placement: str
    file: dict[str, Any]
    worker: dict[str, str]
    agent: dict[str, str]
    owner_headers: dict[str, str]


async def lease_signed(
    app: FastAPI,
    placement_id: str,
    signed_on: date,
    rent: int | None = None,
    charges: int | None = None,
    *,
    reported_on: date | None = None,
    starts_on: date | None = None,
) -> None:
    """Matching's ``lease_signed`` event (reported at noon on ``reported_on``, by default the signing
    day), handled as the consumer would, twice: a redelivery changes nothing."""
    event = LeaseSigned(
        placement_id=uuid.UUID(placement_id),
        unit_id=uuid.uuid4(),
        org_id="-",
        signed_at=datetime.combine(reported_on or signed_on, time(12), tzinfo=UTC),
        lease_starts_on=starts_on or signed_on,
        lease_type="direct",
        signed_on=signed_on,
        rent_cents=rent,
        charges_cents=charges,
    )
    for _ in range(2):
        async with app.state.sessionmaker() as session, session.begin():
            await on_lease_signed(session, ReceivedEvent(Envelope.of(event), event, "abri.matching.placement", 0, 0))


async def approved(api: Api, issuer: TestIssuer, *, fund: str | None = None, owner: str | None = None, **tenant: Any) -> Guaranteed:
    """A file of a new association for a new placement, approved by ``fund`` (a new Visale-like one by default)."""
    _, client, _ = api
    fund = fund or await new_fund(client, issuer)
    owner = owner or unique("owner-g")
    association = unique("assoc-g")
    worker, agent = as_(issuer, "sw-g", "social_worker", association), as_(issuer, "agent-g", "fund_agent", fund)
    placement = await waiting_placement(association, owner=owner)
    file = (await submit(client, worker, placement, fund, **tenant)).json()
    response = await client.post(f"/v1/files/{file['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)
    assert response.status_code == 200, response.text
    return Guaranteed(fund, association, owner, placement, response.json(), worker, agent, as_(issuer, owner, "owner", None))


async def guaranteed(api: Api, issuer: TestIssuer, **tenant: Any) -> Guaranteed:
    """:func:`approved`, then its lease signed (today, at the unit's rent): the guarantee runs."""
    ready = await approved(api, issuer, **tenant)
    await lease_signed(api[0], ready.placement, api[2].now.date())
    return ready


async def outbox_types(key: str) -> list[str]:
    engine = create_async_engine(database_url("guarantees"))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT event_type FROM event_outbox WHERE message_key = :k ORDER BY seq"), {"k": key})
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


MOVE_IN_ROOMS = [
    {"name": "Living room", "items": [{"name": "Walls", "condition": "good", "photos": 1}, {"name": "Floor", "condition": "new"}]},
    {"name": "Kitchen", "items": [{"name": "Oven", "condition": "fair"}]},
]
MOVE_OUT_ROOMS = [
    {"name": "Living room", "items": [{"name": "Walls", "condition": "poor", "photos": 2}, {"name": "Floor", "condition": "new"}]},
    {"name": "Kitchen", "items": []},
]


async def inventories_signed(app: FastAPI, placement_id: str, moved_in: date, moved_out: date | None) -> dict[str, uuid.UUID]:
    """Matching's ``inventory_signed`` for the placement's move-in (and move-out, when given), handled as the
    consumer would, twice: a redelivery changes nothing. The inventories' ids by kind."""
    ids: dict[str, uuid.UUID] = {}
    for kind, day, rooms in (("move_in", moved_in, MOVE_IN_ROOMS), ("move_out", moved_out, MOVE_OUT_ROOMS)):
        if day is None:
            continue
        ids[kind] = uuid.uuid4()
        event = InventorySigned(
            placement_id=uuid.UUID(placement_id),
            unit_id=uuid.uuid4(),
            org_id="-",
            inventory_id=ids[kind],
            kind=kind,
            made_on=day,
            signed_at=datetime.combine(day, time(18), tzinfo=UTC),
            content_sha256="a" * 64,
            rooms=rooms,
            keys_handed=2,
        )
        for _ in range(2):
            async with app.state.sessionmaker() as session, session.begin():
                await on_inventory_signed(session, ReceivedEvent(Envelope.of(event), event, "abri.matching.placement", 0, 0))
    return ids
