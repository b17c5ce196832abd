"""Consent as a gate in matching: a household is registered only with its consent to matching or a
legal basis standing in for it (an SIAO orientation, recorded with who and when); withdrawing the
consent takes it out of the rankings at once, its pending suggestions go and its proposals not yet
accepted are withdrawn with a coded reason; every change is told to the other services."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from abri_matching.main import create_app
from abri_matching.settings import MatchingSettings
from tests.matching.invitations import link_subject
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, database_url, execute_sql, kafka_bootstrap

MATCHING = {"purpose": "matching", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
NOTIFICATIONS = {"purpose": "notifications", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}


def commune() -> str:
    """An INSEE-like code no other test uses (so that only this test's unit is in the household's place)."""
    return f"9{int.from_bytes(os.urandom(2), 'big') % 10000:04d}"


def body(reference: str, communes: list[str], **changes: Any) -> dict[str, Any]:
    return {
        "reference": reference,
        "adults": 1,
        "children": 1,
        "resources_cents": 180_000,
        "housing_benefit_cents": 20_000,
        "needs": {"step_free_access": False, "ground_floor": False, "min_bedrooms": 1},
        "wanted": {"communes": communes},
        "registered_since": "2026-03-01",
        "identity": {"first_name": "Zorya", "last_name": "Consentova", "email": "zorya@example.org"},
        **changes,
    }


def as_(issuer: TestIssuer, sub: str, role: str, org_id: str | None) -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=sub, roles=[role], **claims)}"}


@pytest.fixture(scope="module")
async def client(issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    settings = MatchingSettings(
        database_url=database_url("matching"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, consumer_enabled=False
    )
    app: FastAPI = create_app(settings)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://matching") as http:
            yield http


async def published_unit(insee: str) -> uuid.UUID:
    unit_id = uuid.uuid4()
    row = {
        "unit_id": unit_id, "version": 2, "status": "published", "owner_id": "owner-consent", "postal_code": "99000",
        "insee_code": insee, "commune": "Consentville", "departement": "99", "latitude": 44.0, "longitude": 2.0,
        "kind": "apartment", "rooms": 3, "living_area_m2": 60.0, "floor": 0, "elevator": False, "accessibility": [],
        "furnished": False, "rent_cents": 50_000, "charges_cents": 5_000, "energy_class": "D",
        "schemes": ["intermediated_letting"], "available_from": date(2026, 1, 1),
    }  # fmt: skip
    columns, values = ", ".join(row), ", ".join(f":{name}" for name in row)
    await execute_sql("matching", f"INSERT INTO unit_view ({columns}) VALUES ({values})", **row)  # noqa: S608 (the test's own names)
    return unit_id


async def pending_suggestion(org_id: str, household_id: str, unit_id: uuid.UUID) -> uuid.UUID:
    run_id, suggestion_id = uuid.uuid4(), uuid.uuid4()
    await execute_sql(
        "matching",
        "INSERT INTO allocation_runs (id, departement, created_by, created_at, households, units, assigned, total_score)"
        " VALUES (:id, '99', 'ops-consent', :at, 1, 1, 1, 0.5)",
        id=run_id, at=datetime.now(UTC),
    )  # fmt: skip
    await execute_sql(
        "matching",
        "INSERT INTO suggestions (id, run_id, org_id, household_id, unit_id, score, status)"
        " VALUES (:id, :run, :org, :household, :unit, 0.5, 'pending')",
        id=suggestion_id, run=run_id, org=org_id, household=uuid.UUID(household_id), unit=unit_id,
    )  # fmt: skip
    return suggestion_id


async def events(key: str, where: str = "true", **values: Any) -> int:
    """How many events the outbox holds for ``key`` that meet ``where`` (on ``event_type`` and the JSON ``data``)."""
    statement = f"SELECT count(*) FROM event_outbox WHERE message_key = :key AND ({where})"  # noqa: S608 (the test's own conditions)
    return await count_rows("matching", statement, key=key, **values)


async def test_registration_needs_the_consent_to_matching_or_an_siao_orientation(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    org = f"assoc-cg-{uuid.uuid4().hex[:8]}"
    worker = as_(issuer, "sw-cg", "social_worker", org)
    only_notifications = await client.post("/v1/households", json=body("CG-1", ["34172"], consent=NOTIFICATIONS), headers=worker)
    assert only_notifications.status_code == 422, only_notifications.text
    [error] = only_notifications.json()["errors"]
    assert error["rule"] == error["code"] == "consent_required" and error["params"]["purpose"] == "matching"
    assert error["params"]["legal_bases"] == ["siao_orientation"] and error["source"]
    nothing = await client.post("/v1/households", json=body("CG-2", ["34172"]), headers=worker)
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["code"] == "consent_required"
    assert await count_rows("matching", "SELECT count(*) FROM households WHERE org_id = :o", o=org) == 0  # a refusal stores nothing

    oriented = await client.post(
        "/v1/households", json=body("CG-3", ["34172"], legal_basis={"basis": "siao_orientation"}, consents=[NOTIFICATIONS]), headers=worker
    )
    assert oriented.status_code == 201, oriented.text
    household = oriented.json()
    assert household["legal_basis"] == "siao_orientation" and household["purposes_in_force"] == ["matching", "notifications"]
    recorded = "SELECT count(*) FROM households WHERE id = :i AND legal_basis_recorded_by = 'sw-cg' AND legal_basis_recorded_at IS NOT NULL"
    assert await count_rows("matching", recorded, i=uuid.UUID(household["id"])) == 1
    assert await events(household["id"]) == 1
    told = (
        "event_type = 'abri.matching.household.consents_changed.v1' AND data->'purposes' = '[\"matching\", \"notifications\"]'"
        " AND data->'legal_bases' = '[\"siao_orientation\"]' AND data->>'org_id' = :org"
    )
    assert await events(household["id"], told, org=org) == 1


async def test_withdrawing_the_consent_to_matching_takes_the_household_out_at_once(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    org, place = f"assoc-cg-{uuid.uuid4().hex[:8]}", commune()
    worker = as_(issuer, "sw-cg", "social_worker", org)
    unit_id, other_unit = await published_unit(place), await published_unit(place)
    registered = await client.post("/v1/households", json=body("CG-W", [place], consent=MATCHING), headers=worker)
    assert registered.status_code == 201, registered.text
    household_id = registered.json()["id"]
    staying = (await client.post("/v1/households", json=body("CG-S", [place], consent=MATCHING), headers=worker)).json()["id"]

    async def candidates() -> set[str]:
        answer = await client.get(f"/v1/units/{other_unit}/candidates?limit=100", headers=worker)
        assert answer.status_code == 200, answer.text
        return {match["household"]["household_id"] for match in answer.json()}

    assert await candidates() == {household_id, staying}  # ranked (and the ranking cached)
    matches = await client.get(f"/v1/households/{household_id}/matches?limit=100", headers=worker)
    assert str(unit_id) in {match["unit"]["unit_id"] for match in matches.json()}
    proposal = {"household_id": household_id, "unit_id": str(unit_id), "scheme": "intermediated_letting"}
    placement = await client.post("/v1/placements", json=proposal, headers=worker)
    assert placement.status_code == 201, placement.text
    placement_id = placement.json()["id"]
    suggestion = await pending_suggestion(org, household_id, other_unit)

    consent_id = (await client.get(f"/v1/households/{household_id}/consents", headers=worker)).json()["items"][0]["id"]
    withdrawn = await client.post(f"/v1/households/{household_id}/consents/{consent_id}/withdraw", headers=worker)
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"] is not None

    assert await candidates() == {staying}  # out of the ranking at once, the cache reloaded
    refused = await client.get(f"/v1/households/{household_id}/matches", headers=worker)
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "consent_required", refused.text
    read = (await client.get(f"/v1/placements/{placement_id}", headers=worker)).json()
    assert read["status"] == "withdrawn" and read["timeline"][-1]["reason"] == "consent_withdrawn"
    assert await count_rows("matching", "SELECT count(*) FROM suggestions WHERE id = :i", i=suggestion) == 0
    again = await client.post("/v1/placements", json={**proposal, "unit_id": str(other_unit)}, headers=worker)
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "consent_required", again.text
    household = (await client.get(f"/v1/households/{household_id}", headers=worker)).json()
    assert household["status"] == "searching" and household["purposes_in_force"] == []

    withdrawn_event = "event_type = 'abri.matching.placement.withdrawn.v1' AND data->>'reason' = 'consent_withdrawn'"
    assert await events(placement_id, withdrawn_event) == 1
    assert await events(placement_id) > 0 and await events(placement_id, "data->>'household_id' IS DISTINCT FROM :h", h=household_id) == 0
    changed = "event_type LIKE '%consents_changed.v1'"
    assert await events(household_id, changed) == 2  # given, then withdrawn, in that order
    in_order = (
        "SELECT count(*) FROM event_outbox given JOIN event_outbox gone ON gone.message_key = given.message_key AND gone.seq > given.seq"
        " WHERE given.message_key = :key AND given.event_type LIKE '%consents_changed.v1' AND gone.event_type LIKE '%consents_changed.v1'"
        " AND given.data->'purposes' = '[\"matching\"]' AND gone.data->'purposes' = '[]'"
    )
    assert await count_rows("matching", in_order, key=household_id) == 1


async def test_an_erasure_is_asked_once_by_whoever_may_and_answers_per_service(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    org = f"assoc-cg-{uuid.uuid4().hex[:8]}"
    worker = as_(issuer, "sw-cg", "social_worker", org)
    account = f"kc-{uuid.uuid4().hex[:10]}"
    created = await client.post("/v1/households", json=body("CG-E", ["34172"], consent=MATCHING), headers=worker)
    household_id = created.json()["id"]
    await link_subject(client, issuer, household_id, worker, account, org)

    stranger = as_(issuer, "sw-other", "social_worker", f"assoc-other-{uuid.uuid4().hex[:6]}")
    assert (await client.post(f"/v1/households/{household_id}/erasure", headers=stranger)).status_code == 404
    assert (await client.get(f"/v1/households/{household_id}/erasure", headers=worker)).status_code == 404  # none asked yet
    other_person = as_(issuer, "kc-someone-else", "household", org)
    assert (await client.post(f"/v1/households/{household_id}/erasure", headers=other_person)).status_code == 404
    ops = as_(issuer, "ops-cg", "ops", None)
    without_reference = await client.post(f"/v1/households/{household_id}/erasure", headers=ops)
    assert without_reference.status_code == 422 and without_reference.json()["errors"][0]["code"] == "dpo_reference_required"

    itself = as_(issuer, account, "household", org)
    first = await client.post(f"/v1/households/{household_id}/erasure", headers=itself)
    assert first.status_code == 202, first.text
    erasure = first.json()
    assert erasure["requested_by"] == "household" and erasure["state"] == "pending"
    states = {service["service"]: service["state"] for service in erasure["services"]}
    assert states == {"matching": "completed", **dict.fromkeys(("guarantees", "notifications", "listings", "assistant"), "pending")}

    repeat = await client.post(f"/v1/households/{household_id}/erasure", json={"dpo_reference": "DPO-2026-17"}, headers=ops)
    assert repeat.status_code == 202 and repeat.json()["request_id"] == erasure["request_id"]  # the first request's answer
    assert repeat.json()["requested_by"] == "household"
    assert (await client.get(f"/v1/households/{household_id}/erasure", headers=worker)).json()["request_id"] == erasure["request_id"]

    household = (await client.get(f"/v1/households/{household_id}", headers=worker)).json()
    assert household["erased"] is True and household["status"] == "archived" and household["account_subject"] is None
    assert (await client.get(f"/v1/households/{household_id}/personal-data?purpose=contact", headers=worker)).status_code == 410
    erased = "event_type = 'abri.matching.household.erased.v1'"
    assert await events(household_id, erased) == 1
    what = f"{erased} AND data->>'request_id' = :r AND data->>'account_subject' = :a AND data::text NOT ILIKE '%zorya%'"
    assert await events(household_id, what, r=erasure["request_id"], a=account) == 1
