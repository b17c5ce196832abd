"""A household's export from matching (GDPR art. 15 and 20): everything held about it in one JSON
document, for the household itself or its association only, and logged in its access log."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_kit.calendar import day_in_france
from abri_matching.db.units import UnitView
from abri_matching.main import create_app
from abri_matching.settings import MatchingSettings
from tests.matching.invitations import link_subject
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, kafka_bootstrap

SECRETS = {"first_name": "Oleksandra", "last_name": "Vyshyvanko", "phone": "+33 6 98 76 54 32", "email": "ov@example.org"}
MENDE = {"insee_code": "48095", "commune": "Mende", "departement": "48", "postal_code": "48000", "latitude": 44.518, "longitude": 3.5}


@pytest.fixture(scope="module")
async def api(issuer: TestIssuer) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = MatchingSettings(
        database_url=database_url("matching"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, consumer_enabled=False
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://matching") as client:
            yield app, client


def as_(issuer: TestIssuer, sub: str, role: str = "social_worker", org_id: str | None = None) -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=sub, roles=[role], **claims)}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


@pytest.fixture
async def unit() -> AsyncIterator[dict[str, Any]]:
    """A fresh published unit in the read model, in a commune no other test uses."""
    now = datetime.now(UTC)
    row = {
        "unit_id": uuid.uuid4(), "version": 2, "status": "published", "owner_id": unique("owner-x"), **MENDE, "kind": "apartment",
        "rooms": 3, "living_area_m2": 60.0, "floor": 0, "elevator": False, "accessibility": [], "furnished": False,
        "rent_cents": 45_000, "charges_cents": 5_000, "energy_class": "C", "schemes": ["intermediated_letting"],
        "available_from": day_in_france(now) + timedelta(days=30), "published_at": now,
    }  # fmt: skip
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.insert(UnitView), [row])
        yield row
    finally:
        await engine.dispose()


async def registered(client: httpx.AsyncClient, issuer: TestIssuer, worker: dict[str, str], subject: str, org: str) -> dict[str, Any]:
    """A household of ``org``, its account ``subject`` linked (by an invitation it accepted)."""
    body = {
        "reference": unique("EXP"), "adults": 1, "children": 1, "resources_cents": 150_000,
        "housing_benefit_cents": 30_000, "needs": {"min_bedrooms": 1}, "wanted": {"communes": [MENDE["insee_code"]]},
        "registered_since": "2026-03-01", "identity": {**SECRETS, "birth_date": "1988-04-12"},
        "priority_situations": ["dalo_decision", "domestic_violence"],
        "consent": {"purpose": "matching", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"},
    }  # fmt: skip
    response = await client.post("/v1/households", json=body, headers=worker)
    assert response.status_code == 201, response.text
    return await link_subject(client, issuer, response.json()["id"], worker, subject, org)


async def test_the_household_exports_everything_matching_holds_and_the_export_is_logged(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    _, client = api
    org = unique("assoc-x")
    worker = as_(issuer, unique("sw-x"), org_id=org)
    subject = unique("hh-x")
    me = as_(issuer, subject, "household", org_id=org)
    created = await registered(client, issuer, worker, subject, org)
    url = f"/v1/households/{created['id']}"
    consent = {"purpose": "notifications", "notice_version": "2026-01", "consented_at": "2026-03-02T10:00:00Z"}
    assert (await client.post(f"{url}/consents", json=consent, headers=worker)).status_code == 201
    proposal = {"household_id": created["id"], "unit_id": str(unit["unit_id"]), "scheme": "intermediated_letting"}
    placement = await client.post("/v1/placements", json=proposal, headers=worker)
    assert placement.status_code == 201, placement.text
    owner = as_(issuer, unit["owner_id"], "owner", org_id=None)
    declined = await client.post(f"/v1/placements/{placement.json()['id']}/decline", json={"reason": "other"}, headers=owner)
    assert declined.status_code == 200, declined.text

    response = await client.get(f"{url}/export", headers=me)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["service"] == "matching" and document["schema_version"] == 1
    assert document["household_id"] == created["id"] and document["generated_at"].endswith(("Z", "+00:00"))
    assert document["household"]["reference"] == created["reference"] and document["household"]["association"] == org
    assert document["personal_data"]["identity"]["last_name"] == SECRETS["last_name"]
    assert document["personal_data"]["identity"]["birth_date"] == "1988-04-12"
    assert set(document["personal_data"]["priority_situations"]) == {"dalo_decision", "domestic_violence"}
    assert [c["purpose"] for c in document["consents"]] == ["matching", "notifications"]
    [exported] = document["placements"]
    assert exported["id"] == placement.json()["id"] and exported["status"] == "declined"
    assert [(s["step"], s["to_status"], s["reason"]) for s in exported["steps"]] == [
        ("propose", "proposed", None),
        ("decline", "declined", "other"),
    ]
    assert "owner_id" not in exported and all("actor" not in step for step in exported["steps"])  # the owner's id: not the household's
    assert [(read["actor"], read["purpose"]) for read in document["access_log"]] == [(subject, "account_linked"), (subject, "export")]
    assert document["documents"] == []

    again = (await client.get(f"{url}/export", headers=worker)).json()  # its association, on its behalf
    assert [read["purpose"] for read in again["access_log"]] == ["account_linked", "export", "export"]
    assert again["access_log"][2]["actor_org"] == org
    log = (await client.get(f"{url}/access-log", headers=worker)).json()["items"]
    assert [entry["purpose"] for entry in log] == ["account_linked", "export", "export"]


async def test_no_one_else_exports_a_household(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    org = unique("assoc-y")
    worker = as_(issuer, unique("sw-y"), org_id=org)
    created = await registered(client, issuer, worker, unique("hh-y"), org)
    url = f"/v1/households/{created['id']}/export"
    other_association = as_(issuer, unique("sw-z"), org_id=unique("assoc-z"))
    another_household = as_(issuer, unique("hh-z"), "household", org_id=org)  # of the same association, but not this one
    assert (await client.get(url, headers=other_association)).status_code == 404
    assert (await client.get(url, headers=another_household)).status_code == 404
    assert (await client.get(url, headers=as_(issuer, unique("owner"), "owner", org_id=None))).status_code == 403
    assert (await client.get(url, headers=as_(issuer, unique("agent"), "fund_agent", org_id="fund-1"))).status_code == 403
    assert (await client.get(f"/v1/households/{uuid.uuid4()}/export", headers=worker)).status_code == 404
    assert (await client.get(url)).status_code == 401
    log = (await client.get(f"/v1/households/{created['id']}/access-log", headers=worker)).json()["items"]
    assert [entry["purpose"] for entry in log] == ["account_linked"], "a refused export reads nothing and logs nothing"


async def test_an_erased_household_exports_its_record_without_personal_data(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = api
    org = unique("assoc-e")
    worker = as_(issuer, unique("sw-e"), org_id=org)
    created = await registered(client, issuer, worker, unique("hh-e"), org)
    assert (await client.post(f"/v1/households/{created['id']}/erase", headers=worker)).status_code == 200
    document = (await client.get(f"/v1/households/{created['id']}/export", headers=worker)).json()
    assert document["personal_data"] is None and document["household"]["erased_at"] is not None
    assert SECRETS["last_name"] not in str(document)
    assert [read["purpose"] for read in document["access_log"]] == ["account_linked", "export"]
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                sa.text("SELECT count(*) FROM personal_data_access_log WHERE household_id = :h"), {"h": uuid.UUID(created["id"])}
            )
    finally:
        await engine.dispose()
    assert count == 2  # the account's link (by the invitation), then the export
