"""Households in the matching service: registration by an association, personal data sealed at rest,
every read logged, erasure by key destruction, and another association's households out of reach."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_kit.access_log import read_chain, verify
from abri_kit.envelope import Keyring, Unreadable, WrappedKey, open_json
from abri_matching.db.repositories.access_log import mac_keys
from abri_matching.main import create_app
from abri_matching.settings import MatchingSettings
from tests.matching.invitations import link_subject
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import credentials, database_url, kafka_bootstrap

SECRETS = {"first_name": "Zoubida", "last_name": "Quennehen", "phone": "+33 6 12 34 56 78", "email": "zq@example.org"}


def household(reference: str, **changes: Any) -> dict[str, Any]:
    return {
        "reference": reference,
        "adults": 1,
        "children": 2,
        "resources_cents": 140_000,
        "housing_benefit_cents": 35_000,
        "needs": {"step_free_access": False, "ground_floor": False, "min_bedrooms": 2},
        "wanted": {"communes": ["34172"], "around": {"latitude": 43.61, "longitude": 3.87, "radius_km": 10}},
        "registered_since": "2026-03-01",
        "identity": {**SECRETS, "birth_date": "1988-04-12"},
        "priority_situations": ["dalo_decision", "domestic_violence"],
        "consent": {"purpose": "matching", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"},
        **changes,
    }


@pytest.fixture(scope="module")
async def api(issuer: TestIssuer) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = MatchingSettings(
        database_url=database_url("matching"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, consumer_enabled=False
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://matching") as client:
            yield app, client


def as_(issuer: TestIssuer, sub: str, role: str = "social_worker", org_id: str | None = "assoc-1") -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=sub, roles=[role], **claims)}"}


async def register(client: httpx.AsyncClient, headers: dict[str, str], reference: str, **changes: Any) -> dict[str, Any]:
    response = await client.post("/v1/households", json=household(reference, **changes), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def raw_rows(*tables: str) -> str:
    """Every row of the tables, as PostgreSQL prints them (bytea as hex): what a database dump shows."""
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.connect() as conn:
            texts = [str(row[0]) for table in tables for row in await conn.execute(sa.text(f"SELECT t::text FROM {table} t"))]  # noqa: S608
    finally:
        await engine.dispose()
    return "\n".join(texts)


def unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


async def test_personal_data_are_sealed_at_rest_and_every_read_is_logged(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    _, client = api
    worker = as_(issuer, "sw-1")
    caplog.set_level(logging.DEBUG)
    created = await register(client, worker, unique("HH"))
    assert created["priority_level"] == 2 and created["status"] == "searching"
    assert not {"identity", "priority_situations", "first_name"} & set(created)
    dump = await raw_rows("households", "consents", "personal_data_access_log", "event_outbox")
    for secret in [*SECRETS.values(), "1988-04-12", "dalo_decision", "domestic_violence", "33612345678", b"Quennehen".hex()]:
        assert secret not in dump, f"{secret!r} stored in clear"

    url = f"/v1/households/{created['id']}"
    assert (await client.get(f"{url}/personal-data", headers=worker)).status_code == 422  # a purpose is required
    read = await client.get(f"{url}/personal-data", params={"purpose": "placement_proposal"}, headers=worker)
    assert read.status_code == 200
    assert read.json()["identity"]["last_name"] == "Quennehen" and set(read.json()["priority_situations"]) == {
        "dalo_decision",
        "domestic_violence",
    }
    colleague = as_(issuer, "sw-2")
    assert (await client.get(f"{url}/personal-data", params={"purpose": "contact"}, headers=colleague)).status_code == 200
    log = (await client.get(f"{url}/access-log", headers=worker)).json()["items"]
    assert [(entry["actor"], entry["actor_org"], entry["purpose"]) for entry in log] == [
        ("sw-1", "assoc-1", "placement_proposal"),
        ("sw-2", "assoc-1", "contact"),
    ]
    for secret in SECRETS.values():
        assert secret not in caplog.text, "personal data in the logs"


async def test_the_access_log_is_a_chain_that_shows_tampering(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    worker = as_(issuer, "sw-1")
    created = await register(client, worker, unique("HH"))
    for purpose in ("contact", "support_follow_up", "guarantee_file"):
        await client.get(f"/v1/households/{created['id']}/personal-data", params={"purpose": purpose}, headers=worker)
    app, _ = api
    async with app.state.engine.connect() as conn:
        entries = await read_chain(conn, "personal_data_access_log", "household_id")
    mine = [e for e in entries if str(e.subject_id) == created["id"]]
    assert [(e.actor, e.actor_role, e.actor_org, e.purpose) for e in mine] == [
        ("sw-1", "social_worker", "assoc-1", p) for p in ("contact", "support_follow_up", "guarantee_file")
    ]
    assert verify(entries, mac_keys()).findings == []
    at = entries.index(mine[1])
    rewritten = dataclasses.replace(mine[1], purpose="contact")  # rewritten afterwards
    assert [(f.kind, f.position) for f in verify([*entries[:at], rewritten, *entries[at + 1 :]], mac_keys()).findings] == [
        ("edited", mine[1].position)
    ]
    assert [f.kind for f in verify(entries[:at] + entries[at + 1 :], mac_keys()).findings] == ["deleted"]  # an entry removed


async def test_erasure_destroys_the_key_so_the_sealed_data_no_longer_open(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    app, client = api
    worker = as_(issuer, "sw-1")
    created = await register(client, worker, unique("HH"))
    url = f"/v1/households/{created['id']}"
    engine = create_async_engine(database_url("matching"))
    keys = create_async_engine(credentials()["ABRI_MATCHING_KEYSTORE_URL"])
    key_query = sa.text("SELECT kek_id, wrapped FROM data_keys WHERE namespace = 'household' AND owner_id = :id")
    try:
        async with keys.connect() as conn:
            key = (await conn.execute(key_query, {"id": created["id"]})).one()
        async with engine.connect() as conn:
            sealed = (await conn.execute(sa.text("SELECT personal FROM households WHERE id = :id"), {"id": created["id"]})).scalar_one()
        erased = await client.post(f"{url}/erase", headers=worker)
        assert erased.status_code == 200 and erased.json()["erased"] and erased.json()["status"] == "archived"
        assert (await client.get(f"{url}/personal-data", params={"purpose": "contact"}, headers=worker)).status_code == 410
        async with engine.connect() as conn:
            emptied = (await conn.execute(sa.text("SELECT personal FROM households WHERE id = :id"), {"id": created["id"]})).scalar_one()
        async with keys.connect() as conn:
            left = (await conn.execute(key_query, {"id": created["id"]})).all()
    finally:
        await engine.dispose()
        await keys.dispose()
    assert sealed and emptied is None and left == []  # the ciphertext may linger (in backups too); no key opens it any more
    keyring: Keyring = app.state.keyring
    with pytest.raises(Unreadable):
        open_json(keyring.new_data_key(), sealed, created["id"], keyring.namespace)
    data_key = await keyring.unwrap(WrappedKey(key[0], key[1]), created["id"])
    assert open_json(data_key, sealed, created["id"], keyring.namespace)  # the key it had did open it
    edited = await client.put(
        url,
        json={k: v for k, v in household(created["reference"]).items() if k != "consent"},
        headers={**worker, "if-match": erased.headers["etag"]},
    )
    assert edited.status_code == 409


async def test_another_association_gets_404_everywhere_and_roles_are_enforced(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = api
    worker, stranger = as_(issuer, "sw-1"), as_(issuer, "sw-9", org_id="assoc-2")
    subject = unique("household-sub")
    created = await register(client, worker, unique("HH"))
    await link_subject(client, issuer, created["id"], worker, subject, "assoc-1")
    body = {k: v for k, v in household(created["reference"]).items() if k != "consent"}
    url = f"/v1/households/{created['id']}"
    for method, path in [("GET", ""), ("PUT", ""), ("GET", "/consents"), ("POST", "/erase"), ("GET", "/access-log"), ("GET", "/matches")]:
        answer = await client.request(
            method, f"{url}{path}", json=body if method == "PUT" else None, headers={**stranger, "if-match": '"1"'}
        )
        assert answer.status_code == 404, (method, path)  # the whole sweep: tests/matching/test_allocation_api.py
    read = await client.get(f"{url}/personal-data", params={"purpose": "contact"}, headers=stranger)
    assert read.status_code == 404 and read.headers["content-type"] == "application/problem+json"
    assert created["id"] not in [h["id"] for h in (await client.get("/v1/households", headers=stranger)).json()["items"]]
    own = as_(issuer, subject, "household")
    assert (await client.get(f"/v1/households/{created['id']}", headers=own)).status_code == 200
    mine = await client.get(f"/v1/households/{created['id']}/personal-data", params={"purpose": "household_own_request"}, headers=own)
    assert mine.status_code == 200 and mine.json()["identity"]["first_name"] == "Zoubida"
    assert (
        await client.get(f"/v1/households/{created['id']}/personal-data", params={"purpose": "contact"}, headers=own)
    ).status_code == 403
    assert (await client.put(f"/v1/households/{created['id']}", json=body, headers={**own, "if-match": '"1"'})).status_code == 403
    other_household = as_(issuer, unique("household-sub"), "household")
    assert (await client.get(f"/v1/households/{created['id']}", headers=other_household)).status_code == 404
    for role in ("owner", "fund_agent"):
        assert (await client.get("/v1/households", headers=as_(issuer, f"{role}-1", role))).status_code == 403


async def test_a_household_signed_in_lists_only_its_own_file_even_with_its_associations_org(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    """The web front finds the household's own record through this list (its page has no id to start from)."""
    _, client = api
    worker, subject = as_(issuer, "sw-1"), unique("household-sub")
    mine = await register(client, worker, unique("HH"))
    await link_subject(client, issuer, mine["id"], worker, subject, "assoc-1")
    await register(client, worker, unique("HH"))  # another household of the same association
    own = as_(issuer, subject, "household", org_id="assoc-1")  # a household's token carries its association's org_id
    listed = await client.get("/v1/households", headers=own)
    assert listed.status_code == 200 and [h["id"] for h in listed.json()["items"]] == [mine["id"]]
    nobody = await client.get("/v1/households", headers=as_(issuer, unique("household-sub"), "household", org_id="assoc-1"))
    assert nobody.status_code == 200 and nobody.json()["items"] == []


async def test_bad_input_duplicates_and_stale_edits_are_problems(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    worker = as_(issuer, "sw-1")
    bad = await client.post(
        "/v1/households",
        json=household("bad ref!", adults=0, priority_situations=["religion"], identity={"email": "nope"}, wanted={}),
        headers=worker,
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in bad.json()["errors"]}
    assert {"body.reference", "body.adults", "body.identity.email", "body.wanted"} <= fields
    assert any(field.startswith("body.priority_situations") for field in fields)
    reference = unique("HH")
    created = await register(client, worker, reference)
    duplicate = await client.post("/v1/households", json=household(reference), headers=worker)
    assert duplicate.status_code == 409
    url = f"/v1/households/{created['id']}"
    body = {k: v for k, v in household(reference, children=3).items() if k != "consent"}
    assert (await client.put(url, json=body, headers=worker)).status_code == 428
    assert (await client.put(url, json=body, headers={**worker, "if-match": '"9"'})).status_code == 412
    edited = await client.put(url, json={**body, "priority_situations": []}, headers={**worker, "if-match": '"1"'})
    assert edited.status_code == 200 and edited.json()["children"] == 3 and edited.json()["priority_level"] == 0
    assert (await client.post("/v1/households", json=household(unique("HH")), headers=as_(issuer, "sw-x", org_id=None))).status_code == 403
