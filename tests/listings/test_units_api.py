"""The owner endpoints of the listings service, against its real database and the outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_auth.testing import assert_tenant_isolation
from abri_listings.main import create_app
from abri_listings.settings import ListingsSettings
from tests.listings.shared_home_data import HOME, ROOM
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import assert_cursor_refused, database_url, kafka_bootstrap, walk_pages

DRAFT: dict[str, Any] = {
    "street": "12 rue des Lilas",
    "postal_code": "34000",
    "commune": "Montpellier",
    "insee_code": "34172",
    "departement": "34",
    "latitude": 43.61,
    "longitude": 3.87,
    "kind": "apartment",
    "rooms": 2,
    "living_area_m2": 40.0,
    "ceiling_height_m": 2.5,
    "floor": 1,
    "elevator": False,
    "accessibility": [],
    "furnished": False,
    "rent_cents": 40_000,
    "charges_cents": 5_000,
    "deposit_cents": 40_000,
    "energy_class": "D",
    "primary_energy_kwh": 200.0,
    "emissions_kg": 40.0,
    "final_energy_kwh": 150.0,
    "dpe_date": "2024-03-01",
    "schemes": ["intermediated_letting"],
    "available_from": "2027-01-01",
    "description": {"fr": "Deux pièces lumineux"},
}


@pytest.fixture(scope="module")
async def api(issuer: TestIssuer) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = ListingsSettings(
        database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, relay_enabled=False
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://listings") as client:
            yield app, client


def as_(issuer: TestIssuer, sub: str, role: str = "owner", **claims: Any) -> dict[str, str]:
    return {"authorization": f"Bearer {issuer.token(sub=sub, roles=[role], **claims)}"}


async def create(client: httpx.AsyncClient, headers: dict[str, str], **changes: Any) -> httpx.Response:
    response = await client.post("/v1/units", json={**DRAFT, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def outbox_events(unit_id: str) -> list[str]:
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT event_type FROM event_outbox WHERE message_key = :k ORDER BY seq"), {"k": unit_id})
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


async def test_create_read_publish_withdraw_with_etags_and_events(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    owner = as_(issuer, f"owner-a-{uuid.uuid4().hex[:8]}")  # its own: the list's first page shows it
    created = await create(client, owner)
    unit = created.json()
    assert unit["status"] == "draft" and created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/units/{unit['id']}"
    read = await client.get(f"/v1/units/{unit['id']}", headers=owner)
    assert read.json()["rent_cents"] == 40_000
    assert [u["id"] for u in (await client.get("/v1/units", headers=owner)).json()["items"]].count(unit["id"]) == 1

    no_etag = await client.post(f"/v1/units/{unit['id']}/publish", headers=owner)
    assert no_etag.status_code == 428
    stale = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"7"'})
    assert stale.status_code == 412
    published = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'})
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.headers["etag"] == '"2"'
    stamps = [datetime.fromisoformat(value) for value in (unit["updated_at"], published.json()["updated_at"])]
    assert stamps[1] > stamps[0] and published.json()["published_at"] is not None
    again = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"2"'})
    assert again.status_code == 409
    withdrawn = await client.post(f"/v1/units/{unit['id']}/withdraw", headers={**owner, "if-match": '"2"'})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert await outbox_events(unit["id"]) == ["abri.listings.unit.published.v1", "abri.listings.unit.withdrawn.v1"]


async def test_a_refused_publication_names_every_rule_keeps_the_draft(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    owner = as_(issuer, "owner-a")
    unit = (await create(client, owner, living_area_m2=7.0, ceiling_height_m=2.1, deposit_cents=90_000, dpe_date="2020-05-01")).json()
    refused = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    errors = {e["rule"]: e for e in refused.json()["errors"]}
    assert {"minimum_size", "deposit_cap", "dpe_validity"} <= set(errors)
    assert errors["dpe_validity"]["params"]["valid_until"] == "2024-12-31"  # décret 2020-1610: a 2020 DPE ended with 2024
    assert errors["deposit_cap"]["source"] == "Loi 89-462, art. 22 (art. 25-6 meublé)" and errors["deposit_cap"]["source_url"].startswith(
        "https://"
    )
    kept = await client.get(f"/v1/units/{unit['id']}", headers=owner)
    assert kept.json()["status"] == "draft" and kept.headers["etag"] == '"1"'
    assert await outbox_events(unit["id"]) == []


async def test_bad_input_is_a_problem_and_changes_nothing(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    owner = as_(issuer, "owner-bad")
    response = await client.post("/v1/units", json={**DRAFT, "postal_code": "ABC", "rooms": 0, "secret_field": 1}, headers=owner)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"body.postal_code", "body.rooms", "body.secret_field"} <= fields
    assert (await client.get("/v1/units", headers=owner)).json() == {"items": [], "next_cursor": None}


async def test_another_owner_gets_404_everywhere_and_a_social_worker_cannot_edit(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    app, client = api
    owner, other = as_(issuer, "owner-a"), as_(issuer, "owner-b")
    unit = (await create(client, owner)).json()
    home = await client.post("/v1/shared-homes", json=HOME, headers=owner)
    assert home.status_code == 201, home.text
    await assert_tenant_isolation(
        client,
        app,
        owner_token=owner["authorization"].removeprefix("Bearer "),
        other_token=other["authorization"].removeprefix("Bearer "),
        path_values={"unit_id": unit["id"], "household_id": str(uuid.uuid4()), "home_id": home.json()["id"]},
        headers={"if-match": '"1"'},
        bodies={
            ("PUT", "/v1/units/{unit_id}"): {**DRAFT, "rent_cents": 1},
            ("POST", "/v1/shared-homes"): HOME,
            ("PUT", "/v1/shared-homes/{home_id}"): {**HOME, "floor": 9},
            ("POST", "/v1/shared-homes/{home_id}/rooms"): ROOM,
            ("PUT", "/v1/shared-homes/{home_id}/rooms/{unit_id}"): ROOM,
        },
        expected={("GET", "/v1/households/{household_id}/export"): 403},  # a household's export: not an owner's to ask
    )
    assert (await client.get(f"/v1/units/{unit['id']}", headers=owner)).json()["rent_cents"] == 40_000
    assert (await client.get(f"/v1/shared-homes/{home.json()['id']}", headers=owner)).json()["floor"] == HOME["floor"]
    assert unit["id"] not in [u["id"] for u in (await client.get("/v1/units", headers=other)).json()["items"]]
    worker = as_(issuer, "sw-1", "social_worker", org_id="assoc-1")
    assert (await client.post("/v1/units", json=DRAFT, headers=worker)).status_code == 403
    assert (await client.post(f"/v1/units/{unit['id']}/withdraw", headers={**worker, "if-match": '"1"'})).status_code == 403
    ops = as_(issuer, "ops-1", "ops")
    assert (await client.get(f"/v1/units/{unit['id']}", headers=ops)).status_code == 200  # drafts: owner and ops


async def test_two_concurrent_edits_of_one_version_exactly_one_wins(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    owner = as_(issuer, "owner-c")
    unit = (await create(client, owner)).json()
    answers = await asyncio.gather(
        client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'}),
        client.post(f"/v1/units/{unit['id']}/withdraw", headers={**owner, "if-match": '"1"'}),
    )
    assert sorted(a.status_code for a in answers) == [200, 412]


async def test_edit_with_if_match_and_rules_rechecked_once_published(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    owner = as_(issuer, "owner-d")
    unit = (await create(client, owner)).json()
    url = f"/v1/units/{unit['id']}"
    edited = await client.put(url, json={**DRAFT, "rent_cents": 41_000, "deposit_cents": 41_000}, headers={**owner, "if-match": '"1"'})
    assert edited.status_code == 200 and edited.headers["etag"] == '"2"' and edited.json()["rent_cents"] == 41_000
    assert (await client.put(url, json=DRAFT, headers={**owner, "if-match": '"1"'})).status_code == 412
    assert (await client.post(f"{url}/publish", headers={**owner, "if-match": '"2"'})).status_code == 200
    breaking = await client.put(url, json={**DRAFT, "dpe_date": "2017-06-01"}, headers={**owner, "if-match": '"3"'})
    assert breaking.status_code == 422 and breaking.json()["errors"][0]["rule"] == "dpe_validity"
    assert (await client.get(url, headers=owner)).json()["dpe_date"] == "2024-03-01"  # nothing changed
    fine = await client.put(url, json={**DRAFT, "charges_cents": 6_000}, headers={**owner, "if-match": '"3"'})
    assert fine.status_code == 200 and fine.headers["etag"] == '"4"'
    assert await outbox_events(unit["id"]) == ["abri.listings.unit.published.v1", "abri.listings.unit.updated.v1"]
    assert (await client.post(f"{url}/withdraw", headers={**owner, "if-match": '"4"'})).status_code == 200
    assert (await client.put(url, json=DRAFT, headers={**owner, "if-match": '"5"'})).status_code == 409


async def test_an_owners_units_come_in_pages_oldest_first_and_a_bad_cursor_is_refused(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = api
    owner = as_(issuer, f"owner-pages-{uuid.uuid4()}")
    made = [(await create(client, owner, rent_cents=40_000 + i)).json()["id"] for i in range(5)]
    assert [u["id"] for u in await walk_pages(client, "/v1/units", owner, limit=2)] == made
    assert [u["id"] for u in await walk_pages(client, "/v1/units", owner, limit=5)] == made
    await assert_cursor_refused(client, "/v1/units", owner)
    other = as_(issuer, f"owner-pages-{uuid.uuid4()}")
    first = (await client.get("/v1/units", params={"limit": 2}, headers=owner)).json()
    theirs = await client.get("/v1/units", params={"limit": 2, "cursor": first["next_cursor"]}, headers=other)
    assert theirs.status_code == 200 and theirs.json()["items"] == []  # a cursor opens nothing: the list is still the caller's
