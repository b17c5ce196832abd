"""The placement journey against the real database: each path, each refusal, expiry with a clock the
test controls, two associations racing for one unit, and what an owner may see."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.guarantees import GuaranteeApproved, GuaranteeRejected
from abri_matching.events.guarantees import on_guarantee_approved, on_guarantee_rejected
from abri_matching.expiry import expire_overdue
from tests.matching.invitations import link_subject
from tests.matching.test_households_api import api as api
from tests.matching.test_households_api import as_, household, unique
from tests.matching.test_matches_api import insert_units, unit_row
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()
FOIX = {"insee_code": "09122", "commune": "Foix", "departement": "09", "latitude": 42.965, "longitude": 1.607}


@pytest.fixture
async def unit() -> AsyncIterator[dict[str, Any]]:
    """A fresh published unit of owner ``owner-p`` in the read model, accepting two schemes."""
    row = unit_row(**FOIX, owner_id="owner-p", schemes=["intermediated_letting", "direct_lease", "sliding_lease"])
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM unit_view WHERE insee_code = '09122'"))  # one unit at a time, on a reused database too
            await insert_units(conn, row)
        yield row
    finally:
        await engine.dispose()


WORKER = {"sub": "sw-p", "org": "assoc-p"}


async def new_household(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    body = {**household(unique("P")), "wanted": {"communes": ["09122"]}, "needs": {"min_bedrooms": 1}}
    response = await client.post("/v1/households", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def propose(client: httpx.AsyncClient, headers: dict[str, str], household_id: str, unit_id: Any, scheme: str) -> httpx.Response:
    return await client.post(
        "/v1/placements", json={"household_id": household_id, "unit_id": str(unit_id), "scheme": scheme}, headers=headers
    )


async def events_of(placement_id: str) -> list[str]:
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT event_type FROM event_outbox WHERE message_key = :k ORDER BY seq"), {"k": placement_id}
            )
            return [row[0].split(".")[3] for row in rows]
    finally:
        await engine.dispose()


async def household_status(client: httpx.AsyncClient, headers: dict[str, str], household_id: str) -> str:
    return str((await client.get(f"/v1/households/{household_id}", headers=headers)).json()["status"])


async def test_under_a_direct_lease_the_owner_reads_the_households_contact_once_accepted_and_consented(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    _, client = api
    worker, owner = as_(issuer, "sw-p", org_id="assoc-p"), as_(issuer, "owner-p", "owner", org_id=None)
    household_id = await new_household(client, worker)
    placement = (await propose(client, worker, household_id, unit["unit_id"], "direct_lease")).json()
    contact = f"/v1/placements/{placement['id']}/household-contact"
    assert (await client.get(contact, headers=owner)).status_code == 403  # anonymous until acceptance
    assert (await client.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=owner)).status_code == 200
    refused = await client.get(contact, headers=owner)
    assert refused.status_code == 403 and "consented" in refused.json()["detail"]  # and only with the household's consent
    share = {"purpose": "share_with_owner_after_acceptance", "notice_version": "2026-01", "consented_at": "2026-11-01T10:00:00Z"}
    assert (await client.post(f"/v1/households/{household_id}/consents", json=share, headers=worker)).status_code == 201
    shared = await client.get(contact, headers=owner)
    assert shared.status_code == 200 and shared.json()["last_name"] == "Quennehen" and "priority_situations" not in shared.json()
    assert (await client.get(contact, headers=as_(issuer, "owner-q", "owner", org_id=None))).status_code == 404
    log = (await client.get(f"/v1/households/{household_id}/access-log", headers=worker)).json()["items"]
    assert [(entry["actor"], entry["purpose"]) for entry in log] == [("owner-p", "owner_after_acceptance")]


async def test_the_happy_path_without_guarantee_and_what_the_owner_sees(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    _, client = api
    worker, owner = as_(issuer, "sw-p", org_id="assoc-p"), as_(issuer, "owner-p", "owner", org_id=None)
    household_id = await new_household(client, worker)
    proposed = await propose(client, worker, household_id, unit["unit_id"], "intermediated_letting")
    assert proposed.status_code == 201, proposed.text
    placement = proposed.json()
    assert placement["status"] == "proposed" and not placement["guarantee_required"]
    assert await household_status(client, worker, household_id) == "proposed"

    seen = (await client.get(f"/v1/placements/{placement['id']}", headers=owner)).json()
    assert seen["household_id"] is None and seen["household"] == {
        "size": None, "resources_band": None, "association": "assoc-p", "association_is_tenant": True, "guarantee_required": False,
    }  # fmt: skip  # intermediated letting: the association is the tenant, the owner needs nothing about the household
    assert (await client.get(f"/v1/placements/{placement['id']}", headers=worker)).json()["household"]["size"] == 3  # the association does
    assert "Zoubida" not in str(seen) and "identity" not in seen
    assert placement["id"] in [p["id"] for p in (await client.get("/v1/placements", headers=owner)).json()["items"]]
    stranger = as_(issuer, "owner-q", "owner", org_id=None)
    assert (await client.get(f"/v1/placements/{placement['id']}", headers=stranger)).status_code == 404
    assert (await client.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=stranger)).status_code == 404
    assert (await client.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=worker)).status_code == 403

    contact = f"/v1/placements/{placement['id']}/household-contact"
    assert (await client.get(contact, headers=owner)).status_code == 403  # anonymous until acceptance
    accepted = await client.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=owner)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    share = {"purpose": "share_with_owner_after_acceptance", "notice_version": "2026-01", "consented_at": "2026-11-01T10:00:00Z"}
    assert (await client.post(f"/v1/households/{household_id}/consents", json=share, headers=worker)).status_code == 201
    withheld = await client.get(contact, headers=owner)  # intermediated letting: the association is the tenant, it keeps the contact
    assert withheld.status_code == 403 and [e["rule"] for e in withheld.json()["errors"]] == ["scheme_does_not_disclose"]
    assert (await client.get(contact, headers=stranger)).status_code == 404
    assert (await client.get(f"/v1/households/{household_id}/access-log", headers=worker)).json()["items"] == []  # nothing was read
    lease = {"signed_on": TODAY.isoformat(), "starts_on": (TODAY + timedelta(days=10)).isoformat(), "lease_type": "sub_let"}
    sliding = await client.post(f"/v1/placements/{placement['id']}/lease", json={**lease, "lease_type": "sliding"}, headers=worker)
    assert sliding.status_code == 422 and {e["rule"] for e in sliding.json()["errors"]} >= {"lease_type_not_allowed_by_scheme"}
    no_head = await client.post(f"/v1/placements/{placement['id']}/lease", json=lease, headers=worker)
    assert no_head.status_code == 422 and [e["rule"] for e in no_head.json()["errors"]] == ["head_lease_term_required"]
    lease["head_lease_ends_on"] = (TODAY + timedelta(days=3 * 365)).isoformat()
    signed = await client.post(f"/v1/placements/{placement['id']}/lease", json=lease, headers=worker)
    assert signed.status_code == 200 and signed.json()["status"] == "lease_signed"
    assert await household_status(client, worker, household_id) == "placed"
    timeline = [(s["step"], s["actor_role"]) for s in signed.json()["timeline"]]
    assert timeline == [("propose", "social_worker"), ("accept", "owner"), ("sign_lease", "social_worker")]
    assert await events_of(placement["id"]) == ["proposed", "accepted", "lease_signed"]
    assert (await client.post(f"/v1/placements/{placement['id']}/decline", json={"reason": "other"}, headers=owner)).status_code == 409


async def test_guarantee_then_sliding_lease_reviews_and_slide(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    app, client = api
    worker, owner = as_(issuer, "sw-p", org_id="assoc-p"), as_(issuer, "owner-p", "owner", org_id=None)
    household_id = await new_household(client, worker)
    placement = (await propose(client, worker, household_id, unit["unit_id"], "direct_lease")).json()
    assert placement["guarantee_required"]
    waiting = await client.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=owner)
    assert waiting.json()["status"] == "awaiting_guarantee"
    lease = {"signed_on": TODAY.isoformat(), "starts_on": (TODAY + timedelta(days=10)).isoformat(), "lease_type": "direct"}
    assert (await client.post(f"/v1/placements/{placement['id']}/lease", json=lease, headers=worker)).status_code == 409

    approved = GuaranteeApproved(
        file_id=uuid.uuid4(), placement_id=uuid.UUID(placement["id"]), fund_id="fund-1", decided_at=datetime.now(UTC),
        max_rent_cents=60_000, valid_until=date(2027, 6, 1),
    )  # fmt: skip
    for _ in range(2):  # a second delivery changes nothing
        async with app.state.sessionmaker() as session, session.begin():
            await on_guarantee_approved(session, ReceivedEvent(Envelope.of(approved), approved, "abri.guarantees.file", 0, 0))
    assert (await client.get(f"/v1/placements/{placement['id']}", headers=worker)).json()["status"] == "guaranteed"

    seen = (await client.get(f"/v1/placements/{placement['id']}", headers=owner)).json()["household"]
    assert seen["size"] == 3 and seen["resources_band"] == "1,200 to 1,800 €" and not seen["association_is_tenant"]  # a direct lease
    sliding = await client.post(f"/v1/placements/{placement['id']}/lease", json={**lease, "lease_type": "sliding"}, headers=worker)
    assert sliding.status_code == 422 and sliding.json()["errors"][0]["rule"] == "lease_type_not_allowed_by_scheme"
    assert sliding.json()["errors"][0]["source_url"]
    signed = (await client.post(f"/v1/placements/{placement['id']}/lease", json=lease, headers=worker)).json()
    assert signed["status"] == "lease_signed" and signed["next_review_by"] is None
    assert (await client.post(f"/v1/placements/{placement['id']}/reviews", json=REVIEW, headers=worker)).status_code == 409  # not sliding
    assert await events_of(placement["id"]) == ["proposed", "accepted", "guarantee_requested", "lease_signed"]


REVIEW = {"outcome": "continue", "parties": ["association", "household", "owner"]}


async def test_each_refusal_frees_the_household_and_the_unit_without_penalty(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    app, client = api
    worker, owner = as_(issuer, "sw-p", org_id="assoc-p"), as_(issuer, "owner-p", "owner", org_id=None)
    household_id = await new_household(client, worker)
    url = "/v1/placements/{}"

    declined = (await propose(client, worker, household_id, unit["unit_id"], "intermediated_letting")).json()
    answer = await client.post(url.format(declined["id"]) + "/decline", json={"reason": "prefers_another_proposal"}, headers=owner)
    assert answer.json()["status"] == "declined" and answer.json()["end_reason"] == "prefers_another_proposal"
    assert await household_status(client, worker, household_id) == "searching"
    assert await events_of(declined["id"]) == ["proposed", "declined"]

    withdrawn = (await propose(client, worker, household_id, unit["unit_id"], "intermediated_letting")).json()  # the unit is free again
    await client.post(url.format(withdrawn["id"]) + "/withdraw", json={"reason": "household_housed_elsewhere"}, headers=worker)
    assert await events_of(withdrawn["id"]) == ["proposed", "withdrawn"]

    late = (await propose(client, worker, household_id, unit["unit_id"], "intermediated_letting")).json()
    await client.post(url.format(late["id"]) + "/accept", json={}, headers=owner)
    after = await client.post(url.format(late["id"]) + "/withdraw", json={"reason": "household_withdrew"}, headers=worker)
    assert after.json()["status"] == "withdrawn"
    assert await events_of(late["id"]) == ["proposed", "accepted", "fell_through"]  # listings publishes the unit again

    rejected = (await propose(client, worker, household_id, unit["unit_id"], "direct_lease")).json()
    await client.post(url.format(rejected["id"]) + "/accept", json={}, headers=owner)
    refusal = GuaranteeRejected(
        file_id=uuid.uuid4(),
        placement_id=uuid.UUID(rejected["id"]),
        fund_id="fund-1",
        decided_at=datetime.now(UTC),
        reasons=["rent_burden"],
    )
    async with app.state.sessionmaker() as session, session.begin():
        await on_guarantee_rejected(session, ReceivedEvent(Envelope.of(refusal), refusal, "abri.guarantees.file", 0, 0))
    final = (await client.get(url.format(rejected["id"]), headers=worker)).json()
    assert final["status"] == "guarantee_rejected" and final["end_reason"] == "rent_burden"
    assert await events_of(rejected["id"]) == ["proposed", "accepted", "guarantee_requested", "fell_through"]
    assert await household_status(client, worker, household_id) == "searching"
    again = await client.get(f"/v1/households/{household_id}/matches", headers=worker)
    assert str(unit["unit_id"]) in [m["unit"]["unit_id"] for m in again.json()]  # four endings later, still ranked as before


async def test_an_unanswered_proposal_expires_with_the_clock(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    app, client = api
    worker, owner = as_(issuer, "sw-p", org_id="assoc-p"), as_(issuer, "owner-p", "owner", org_id=None)
    household_id = await new_household(client, worker)
    placement = (await propose(client, worker, household_id, unit["unit_id"], "intermediated_letting")).json()
    await expire_overdue(app.state.sessionmaker, datetime.now(UTC) + timedelta(days=6))  # other tests' proposals may lapse, not this one
    assert (await client.get(f"/v1/placements/{placement['id']}", headers=worker)).json()["status"] == "proposed"
    await expire_overdue(app.state.sessionmaker, datetime.now(UTC) + timedelta(days=7, minutes=1))
    expired = (await client.get(f"/v1/placements/{placement['id']}", headers=worker)).json()
    assert expired["status"] == "expired" and expired["timeline"][-1]["actor_role"] == "system"
    assert await household_status(client, worker, household_id) == "searching"
    assert (await client.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=owner)).status_code == 409
    assert await events_of(placement["id"]) == ["proposed", "expired"]


async def test_two_associations_proposing_for_one_unit_at_the_same_moment_one_wins(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    _, client = api
    first, second = as_(issuer, "sw-p", org_id="assoc-p"), as_(issuer, "sw-r", org_id="assoc-r")
    mine, theirs = await new_household(client, first), await new_household(client, second)
    answers = await asyncio.gather(
        propose(client, first, mine, unit["unit_id"], "intermediated_letting"),
        propose(client, second, theirs, unit["unit_id"], "intermediated_letting"),
    )
    assert sorted(a.status_code for a in answers) == [201, 409]
    loser = answers[0] if answers[0].status_code == 409 else answers[1]
    assert loser.headers["content-type"] == "application/problem+json"
    losing_household = mine if loser is answers[0] else theirs
    losing_org = first if loser is answers[0] else second
    assert await household_status(client, losing_org, losing_household) == "searching"  # nothing changed for the loser


async def test_bad_proposals_are_problems(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]) -> None:
    _, client = api
    worker, stranger = as_(issuer, "sw-p", org_id="assoc-p"), as_(issuer, "sw-z", org_id="assoc-z")
    household_id = await new_household(client, worker)
    assert (await propose(client, worker, household_id, unit["unit_id"], "loc_avantages_3")).status_code == 422  # not a scheme of the unit
    assert (await propose(client, worker, household_id, uuid.uuid4(), "intermediated_letting")).status_code == 404
    assert (
        await propose(client, stranger, household_id, unit["unit_id"], "intermediated_letting")
    ).status_code == 404  # not their household
    assert (await propose(client, worker, household_id, unit["unit_id"], "timeshare")).status_code == 422
    placement = (await propose(client, worker, household_id, unit["unit_id"], "intermediated_letting")).json()
    bad_lease = {"signed_on": TODAY.isoformat(), "starts_on": (TODAY - timedelta(days=30)).isoformat(), "lease_type": "sub_let"}
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    future = {"signed_on": tomorrow, "starts_on": tomorrow, "lease_type": "sub_let"}
    await client.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=as_(issuer, "owner-p", "owner", org_id=None))
    assert (await client.post(f"/v1/placements/{placement['id']}/lease", json=bad_lease, headers=worker)).status_code == 422
    not_yet = await client.post(f"/v1/placements/{placement['id']}/lease", json=future, headers=worker)
    assert not_yet.status_code == 422 and not_yet.json()["errors"][0]["field"] == "body.signed_on"
    assert not_yet.json()["errors"][0]["rule"] == "signed_in_the_future" and not_yet.json()["errors"][0]["fields"] == ["signed_on"]
    other = await new_household(client, worker)
    assert (await propose(client, worker, other, unit["unit_id"], "intermediated_letting")).status_code == 409  # held by the first


async def test_a_household_sees_its_own_placements_and_none_of_its_associations_others(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, unit: dict[str, Any]
) -> None:
    _, client = api
    worker = as_(issuer, "sw-p", org_id="assoc-p")
    subject = unique("household-person")
    body = {**household(unique("P")), "wanted": {"communes": ["09122"]}, "needs": {"min_bedrooms": 1}}
    linked = (await client.post("/v1/households", json=body, headers=worker)).json()["id"]
    await link_subject(client, issuer, linked, worker, subject, "assoc-p")
    placement = (await propose(client, worker, linked, unit["unit_id"], "intermediated_letting")).json()
    person = as_(issuer, subject, "household", org_id="assoc-p")  # a household carries its association's org id too
    stranger = as_(issuer, unique("other-person"), "household", org_id="assoc-p")

    listed = (await client.get("/v1/placements", headers=person)).json()["items"]
    assert [p["id"] for p in listed] == [placement["id"]]
    assert (await client.get(f"/v1/placements/{placement['id']}", headers=person)).json()["status"] == "proposed"
    assert (await client.get("/v1/placements", headers=stranger)).json()["items"] == []  # not the association's other placements
    assert (await client.get(f"/v1/placements/{placement['id']}", headers=stranger)).status_code == 404
    assert (await client.post(f"/v1/placements/{placement['id']}/withdraw", json={"reason": "other"}, headers=person)).status_code == 403
