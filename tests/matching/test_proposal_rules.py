"""A proposal goes through the journey's rules like every other step: matching's hard rules that hold at a
proposal (the overcrowding norm, the rent burden under the association's threshold), the household's
state machine (only a searching household; an archived one stays archived), and handlers that date what
happened by the event's own time and what they did by the service's clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.guarantees import GuaranteeRejected
from abri_contracts.listings import UnitPublished
from abri_matching.events import handlers
from abri_matching.events.guarantees import on_guarantee_rejected
from tests.matching.test_households_api import api as api
from tests.matching.test_households_api import as_, household, unique
from tests.matching.test_matches_api import insert_units, unit_row
from tests.matching.test_unit_read_model import snapshot
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, database_url

BRIANCON = {"insee_code": "05023", "commune": "Briançon", "departement": "05", "latitude": 44.897, "longitude": 6.635}


@pytest.fixture(scope="module")
async def units() -> AsyncIterator[dict[str, dict[str, Any]]]:
    """A 20 m² studio, a roomy but dear home and a fitting one in Briançon, each of its own owner."""
    rows = {
        "studio": unit_row(**BRIANCON, owner_id=unique("owner-br"), rooms=1, living_area_m2=20.0, kind="studio"),
        "dear": unit_row(**BRIANCON, owner_id=unique("owner-br"), rooms=4, living_area_m2=80.0, rent_cents=150_000),
        "fitting": unit_row(**BRIANCON, owner_id=unique("owner-br"), rooms=4, living_area_m2=80.0),
    }
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM unit_view WHERE insee_code = '05023'"))
            await insert_units(conn, *rows.values())
        yield rows
    finally:
        await engine.dispose()


async def register(client: httpx.AsyncClient, worker: dict[str, str], **changes: Any) -> str:
    body = {**household(unique("R")), "wanted": {"communes": [BRIANCON["insee_code"]]}, "needs": {"min_bedrooms": 0}, **changes}
    answer = await client.post("/v1/households", json=body, headers=worker)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def propose(client: httpx.AsyncClient, worker: dict[str, str], household_id: str, unit: dict[str, Any]) -> httpx.Response:
    body = {"household_id": household_id, "unit_id": str(unit["unit_id"]), "scheme": "intermediated_letting"}
    return await client.post("/v1/placements", json=body, headers=worker)


async def status_of(client: httpx.AsyncClient, worker: dict[str, str], household_id: str) -> str:
    return str((await client.get(f"/v1/households/{household_id}", headers=worker)).json()["status"])


async def test_a_studio_of_20_m2_is_refused_for_a_household_of_five_and_nothing_changes(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, units: dict[str, dict[str, Any]]
) -> None:
    _, client = api
    org = unique("assoc-rules")
    worker = as_(issuer, "sw-rules", org_id=org)
    five = await register(client, worker, adults=2, children=3, resources_cents=400_000)
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:  # a batch run had suggested the pair: it stays to review
            run = {"run": uuid.uuid4(), "id": uuid.uuid4(), "org": org, "h": five, "u": units["studio"]["unit_id"]}
            await conn.execute(
                sa.text(
                    "INSERT INTO allocation_runs (id, departement, created_by, households, units, assigned, total_score)"
                    " VALUES (:run, '05', 'ops-rules', 1, 1, 1, 0.5)"
                ),
                run,
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO suggestions (id, run_id, org_id, household_id, unit_id, score, status)"
                    " VALUES (:id, :run, :org, :h, :u, 0.5, 'pending')"
                ),
                run,
            )
    finally:
        await engine.dispose()
    outbox_before = await count_rows("matching", "SELECT count(*) FROM event_outbox")

    refused = await propose(client, worker, five, units["studio"])
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert [error["rule"] for error in problem["errors"]] == ["overcrowding"]
    assert "20 m² for a norm of 43 m²" in problem["errors"][0]["message"] and "nothing was changed" in problem["detail"]
    assert await status_of(client, worker, five) == "searching"
    assert await count_rows("matching", "SELECT count(*) FROM placements WHERE household_id = :h", h=five) == 0
    assert await count_rows("matching", "SELECT count(*) FROM event_outbox") == outbox_before
    assert await count_rows("matching", "SELECT count(*) FROM suggestions WHERE household_id = :h AND status = 'pending'", h=five) == 1

    assert (await propose(client, worker, five, units["fitting"])).status_code == 201  # 80 m² for five: the same household fits
    assert await status_of(client, worker, five) == "proposed"


async def test_a_home_over_the_associations_rent_burden_threshold_is_refused(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, units: dict[str, dict[str, Any]]
) -> None:
    _, client = api
    worker = as_(issuer, "sw-rules", org_id=unique("assoc-rules"))
    single = await register(client, worker, adults=1, children=0, resources_cents=200_000, housing_benefit_cents=0)
    dear = await propose(client, worker, single, units["dear"])  # (1,500 + 50) / 2,000 = 78 %
    assert dear.status_code == 422 and [e["rule"] for e in dear.json()["errors"]] == ["rent_burden"]
    assert "rent burden 78% for a threshold of 33%" in dear.json()["errors"][0]["message"]
    settings = {"rent_burden_threshold": 0.8, "schemes": ["intermediated_letting"]}
    assert (await client.put("/v1/association/settings", json=settings, headers=worker)).status_code == 200
    assert (await propose(client, worker, single, units["dear"])).status_code == 201  # the association's own threshold


async def test_only_a_searching_household_is_proposed_and_an_erased_one_stays_archived(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, units: dict[str, dict[str, Any]]
) -> None:
    _, client = api
    worker = as_(issuer, "sw-rules", org_id=unique("assoc-rules"))
    owner = as_(issuer, units["studio"]["owner_id"], "owner", org_id=None)
    one = await register(client, worker, adults=1, children=0)
    placement = await propose(client, worker, one, units["studio"])  # 20 m² for one: a fit
    assert placement.status_code == 201, placement.text
    again = await propose(client, worker, one, units["fitting"])
    assert again.status_code == 409 and again.json()["title"] == "Not searching" and "proposed, not searching" in again.json()["detail"]
    assert (await client.post(f"/v1/households/{one}/erase", headers=worker)).json()["status"] == "archived"
    withdrawn = await client.get(f"/v1/placements/{placement.json()['id']}", headers=worker)  # the erasure withdrew its proposal
    assert withdrawn.json()["status"] == "withdrawn", withdrawn.text
    declined = await client.post(f"/v1/placements/{placement.json()['id']}/decline", json={"reason": "other"}, headers=owner)
    assert declined.status_code == 409, declined.text  # nothing left for the owner to answer
    assert await status_of(client, worker, one) == "archived"  # not searching again: an erased household never comes back
    assert (await propose(client, worker, one, units["studio"])).status_code == 409


async def test_handlers_date_what_happened_by_the_event_and_what_they_did_by_the_clock(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, units: dict[str, dict[str, Any]]
) -> None:
    app, client = api
    worker, owner = as_(issuer, "sw-rules", org_id=unique("assoc-rules")), as_(issuer, units["fitting"]["owner_id"], "owner", org_id=None)
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:  # the fitting unit free again (the first test proposed it)
            await conn.execute(
                sa.text("UPDATE placements SET status = 'withdrawn' WHERE unit_id = :u AND status = 'proposed'"),
                {"u": units["fitting"]["unit_id"]},
            )
    finally:
        await engine.dispose()
    placement = (await propose(client, worker, await register(client, worker), units["fitting"])).json()
    accepted = await client.post(f"/v1/placements/{placement['id']}/accept", json={"require_guarantee": True}, headers=owner)
    assert accepted.json()["status"] == "awaiting_guarantee", accepted.text

    decided = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)  # replayed from a dead-letter topic, three days on
    refusal = GuaranteeRejected(
        file_id=uuid.uuid4(), placement_id=uuid.UUID(placement["id"]), fund_id="fund-r", decided_at=decided, reasons=["rent_burden"]
    )
    async with app.state.sessionmaker() as session, session.begin():
        await on_guarantee_rejected(session, ReceivedEvent(Envelope.of(refusal, decided), refusal, "abri.guarantees.file", 0, 0))
    ended = (await client.get(f"/v1/placements/{placement['id']}", headers=worker)).json()
    assert ended["status"] == "guarantee_rejected" and ended["timeline"][-1]["at"] == decided.isoformat().replace("+00:00", "Z")
    fell = await count_rows(
        "matching",
        "SELECT count(*) FROM event_outbox WHERE message_key = :k AND event_type LIKE '%fell_through%' AND occurred_at = :at",
        k=placement["id"],
        at=decided,
    )
    assert fell == 1, "the ending is published dated by the decision"

    processed = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
    unit_id = uuid.uuid4()
    published = UnitPublished(**snapshot(unit_id, 2, **BRIANCON))
    async with app.state.sessionmaker() as session, session.begin():
        handler = handlers(lambda: processed)[UnitPublished]
        await handler(session, ReceivedEvent(Envelope.of(published), published, "abri.listings.unit", 0, 0))
    at = await count_rows("matching", "SELECT count(*) FROM unit_view WHERE unit_id = :u AND changed_at = :at", u=unit_id, at=processed)
    assert at == 1, "the read model says when this service applied the event, on its clock"
