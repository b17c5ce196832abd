"""What an erasure leaves in matching: nothing about the person (no reference of the association, no
account, no subject of the household, no name) in any of its tables, and matching's own part of the
erasure's state says what it keeps, why and until when (``domain/erasure.py``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
import pytest

from abri_kit.calendar import day_in_france
from abri_matching.domain.erasure import CONSENT_PROOF, PlacementTrace, erased_reference, kept
from abri_matching.domain.retention import RetentionPolicy
from tests.matching.invitations import link_subject
from tests.matching.test_consent_gate import MATCHING, as_, body, commune, pending_suggestion, published_unit
from tests.matching.test_consent_gate import client as client
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, execute_sql

TABLES = {
    "households": "id = :h",
    "consents": "household_id = :h",
    "placements": "household_id = :h",
    "placement_steps": "placement_id IN (SELECT id FROM placements WHERE household_id = :h)",
    "suggestions": "household_id = :h",
    "household_erasures": "household_id = :h",
    "household_erasure_receipts": "request_id IN (SELECT request_id FROM household_erasures WHERE household_id = :h)",
    "household_invitations": "household_id = :h",
}


async def rows_holding(household_id: str, table: str, text: str) -> int:
    """How many of matching's rows of ``table`` about the household hold ``text`` in any column, read as text (the
    sealed column excepted: it holds no text, and its key is gone)."""
    where = TABLES[table]
    statement = f"SELECT count(*) FROM {table} t WHERE ({where}) AND strpos((to_jsonb(t) - 'personal')::text, :text) > 0"  # noqa: S608
    return await count_rows("matching", statement, h=uuid.UUID(household_id), text=text)


async def test_an_erasure_leaves_nothing_about_the_person_and_says_what_matching_keeps(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    org, place = f"assoc-er-{uuid.uuid4().hex[:8]}", commune()
    worker_subject, account = f"sw-er-{uuid.uuid4().hex[:6]}", f"kc-er-{uuid.uuid4().hex[:10]}"
    worker = as_(issuer, worker_subject, "social_worker", org)
    reference = f"DURAND-Zorya-{uuid.uuid4().hex[:6]}"  # the association's own code, which could point to the person
    unit_id, other_unit = await published_unit(place), await published_unit(place)
    created = await client.post("/v1/households", json=body(reference, [place], consent=MATCHING), headers=worker)
    assert created.status_code == 201, created.text
    household_id = created.json()["id"]
    await link_subject(client, issuer, household_id, worker, account, org)
    guarantee = {"purpose": "guarantee_file", "notice_version": "2026-01", "consented_at": "2026-03-02T10:00:00Z"}
    assert (await client.post(f"/v1/households/{household_id}/consents", json=guarantee, headers=worker)).status_code == 201
    proposal = {"household_id": household_id, "unit_id": str(unit_id), "scheme": "intermediated_letting"}
    assert (await client.post("/v1/placements", json=proposal, headers=worker)).status_code == 201
    await pending_suggestion(org, household_id, other_unit)
    assert await rows_holding(household_id, "households", reference) == 1  # the scan sees what it looks for
    assert await rows_holding(household_id, "households", account) == 1
    assert await rows_holding(household_id, "household_invitations", account) == 1  # the accepted invitation names it

    erased = await client.post(f"/v1/households/{household_id}/erasure", headers=as_(issuer, account, "household", org))
    assert erased.status_code == 202, erased.text
    matching = next(service for service in erased.json()["services"] if service["service"] == "matching")
    today = day_in_france(datetime.now(UTC))
    leap_day = (today.month, today.day) == (2, 29)  # calendar years: a period begun on 29 February ends on 28 February
    in_five_years = date(today.year + 5, today.month, 28 if leap_day else today.day).isoformat()
    assert matching["state"] == "completed"
    assert [(k["what"], k["until"]) for k in matching["kept"]] == [
        ("consent_proof", in_five_years),  # counted from the erasure
        ("placement_history", in_five_years),  # the proposal withdrawn today: its last step
        ("erasure_record", None),
    ]
    assert matching["kept"][0]["legal_basis"] == CONSENT_PROOF and "art. 7(1)" in CONSENT_PROOF
    again = await client.get(f"/v1/households/{household_id}/erasure", headers=worker)
    assert again.json()["services"] == erased.json()["services"]

    record = (await client.get(f"/v1/households/{household_id}", headers=worker)).json()
    assert record["reference"] == erased_reference(household_id) and record["account_subject"] is None
    for table in TABLES:
        for marker in (reference, account, "Zorya", "Consentova", "zorya@"):
            assert await rows_holding(household_id, table, marker) == 0, f"{marker} left in {table}"
    assert await rows_holding(household_id, "consents", "guarantee_file") == 1  # the proof
    assert await rows_holding(household_id, "consents", worker_subject) >= 1  # and who recorded it
    h = uuid.UUID(household_id)
    assert await count_rows("matching", "SELECT count(*) FROM household_erasures WHERE household_id = :h", h=h) == 1
    by_role = "SELECT count(*) FROM household_erasures WHERE household_id = :h AND requested_by = 'household' AND requester IS NULL"
    assert await count_rows("matching", by_role, h=h) == 1  # the household's role, never its subject
    assert await count_rows("matching", "SELECT count(*) FROM suggestions WHERE household_id = :h AND status = 'pending'", h=h) == 0

    reused = await client.post("/v1/households", json=body(reference, [place], consent=MATCHING), headers=worker)
    assert reused.status_code == 201, reused.text  # the association's code is free again: unique per association still holds


async def test_an_association_asking_is_recorded_by_its_social_worker_and_a_household_without_placement_keeps_no_history(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    org = f"assoc-er-{uuid.uuid4().hex[:8]}"
    worker_subject = f"sw-er-{uuid.uuid4().hex[:6]}"
    worker = as_(issuer, worker_subject, "social_worker", org)
    created = await client.post("/v1/households", json=body(f"ER-{uuid.uuid4().hex[:6]}", ["34172"], consent=MATCHING), headers=worker)
    household_id = created.json()["id"]
    erased = await client.post(f"/v1/households/{household_id}/erasure", headers=worker)
    assert erased.status_code == 202 and erased.json()["requested_by"] == "association"
    matching = next(service for service in erased.json()["services"] if service["service"] == "matching")
    assert [k["what"] for k in matching["kept"]] == ["consent_proof", "erasure_record"]
    h = uuid.UUID(household_id)
    assert await count_rows("matching", "SELECT count(*) FROM household_erasures WHERE household_id = :h", h=h) == 1
    by_staff = "SELECT count(*) FROM household_erasures WHERE household_id = :h AND requester = :w"
    assert await count_rows("matching", by_staff, h=h, w=worker_subject) == 1  # the staff member who asked, for accountability
    awaited = [service["service"] for service in erased.json()["services"]]
    assert awaited == ["matching", "guarantees", "notifications", "listings", "assistant"]

    # a request made before the requests kept their list awaited the four services of then: never the assistant
    await execute_sql("matching", "UPDATE household_erasures SET awaited = NULL WHERE household_id = :h", h=h)
    before = await client.get(f"/v1/households/{household_id}/erasure", headers=worker)
    assert [service["service"] for service in before.json()["services"]] == ["matching", "guarantees", "notifications", "listings"]


@pytest.mark.unit
def test_what_matching_keeps_follows_the_retention_periods() -> None:
    policy = RetentionPolicy(consent_proof_years=3, placement_years=4)
    withdrawn = PlacementTrace("withdrawn", None, date(2027, 1, 10))
    older = PlacementTrace("declined", None, date(2026, 5, 1))
    assert kept(date(2028, 2, 29), [withdrawn, older], policy) == [
        {"what": "consent_proof", "legal_basis": CONSENT_PROOF, "until": "2031-02-28"},  # 29 February falls on 28 February
        {"what": "placement_history", "legal_basis": kept(date(2028, 2, 29), [older])[1]["legal_basis"], "until": "2031-01-10"},
        kept(date(2028, 2, 29), [])[-1],
    ]
    sliding = PlacementTrace("lease_signed", "sliding", date(2027, 1, 10))  # still followed: its end is not known yet
    assert kept(date(2028, 3, 1), [sliding, older], policy)[1]["until"] is None
    assert kept(date(2028, 3, 1), [PlacementTrace("lease_signed", "direct", date(2027, 1, 10))], policy)[1]["until"] == "2031-01-10"
    assert erased_reference("abc") == "erased-abc"
