"""Guarantee files against the real database: submission with the instant pre-check, the review
workflow with a clock the test controls (SLA, overdue view), the visa on approval, sealed tenant data
with a logged read, funds' policy versions, and the cross-fund and cross-association sweep."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import httpx
from fastapi import FastAPI

from tests.guarantees.support import SEEN_ELSEWHERE, START, TENANT, Clock, as_, new_fund, ops, raw_rows, submit, unique, waiting_placement
from tests.guarantees.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import execute_sql


async def test_an_eligible_file_enters_the_queue_sealed_and_is_approved_with_a_visa(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-g")
    worker, agent = as_(issuer, "sw-g", "social_worker", association), as_(issuer, "agent-g", "fund_agent", fund)
    placement = await waiting_placement(association)

    submitted = await submit(client, worker, placement, fund)
    assert submitted.status_code == 201, submitted.text
    file = submitted.json()
    assert file["status"] == "under_review" and file["failures"] == []
    assert datetime.fromisoformat(file["review_deadline"]) == START + timedelta(hours=48)
    assert file["unit"]["rent_cents"] == 60_000 and file["unit"]["departement"] == "69"
    assert "Oksana" not in submitted.text
    again = await submit(client, worker, placement, fund)
    assert again.status_code == 409 and again.json()["file_id"] == file["id"]  # one open file per placement

    dump = await raw_rows("guarantee_files", "file_steps", "personal_data_access_log", "event_outbox")
    for secret in ("Oksana", "Kovalenko", "2000-05-17", "oksana.k@example.org", "12 34 56 78"):
        assert secret not in dump, f"{secret!r} stored in clear"

    queue = (await client.get("/v1/files", headers=agent)).json()["items"]
    assert [f["id"] for f in queue] == [file["id"]]
    tenant = await client.get(f"/v1/files/{file['id']}/tenant", params={"purpose": "review_file"}, headers=agent)
    assert tenant.status_code == 200 and tenant.json()["last_name"] == "Kovalenko-Durand"
    log = await raw_rows("personal_data_access_log")
    assert file["id"] in log and "agent-g" in log and "review_file" in log

    clock.now = START + timedelta(hours=3)
    approved = await client.post(f"/v1/files/{file['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["decided_at"].startswith("2026-12-01T12:00")
    visa = body["visa"]
    assert visa["number"].startswith("V") and len(visa["number"]) == 13
    assert visa["max_rent_cents"] == 110_000  # the burden rule binds before the 1,300 € cap: rent + charges - 200 € ≤ 50 % of 1,800 €
    assert visa["valid_until"] == "2027-03-01" and visa["lease_signing_deadline"] == "2027-03-01"
    assert [(s["action"], s["to_status"], s["actor"]) for s in body["steps"]] == [
        ("submit", "under_review", "sw-g"),
        ("approve", "approved", "agent-g"),
    ]
    outbox = await raw_rows("event_outbox")
    assert "abri.guarantees.file.approved.v1" in outbox and "abri.guarantees.file.submitted.v1" in outbox
    assert "Oksana" not in outbox and "Kovalenko" not in outbox
    assert (await client.post(f"/v1/files/{file['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)).status_code == 409  # decided once


async def test_a_refused_pre_check_is_answered_at_once_with_every_failed_rule_and_stores_nothing(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer, "fsl")
    association = unique("assoc-g")
    worker = as_(issuer, "sw-g", "social_worker", association)
    placement = await waiting_placement(association, rent=70_000, charges=10_000, departement="30", energy="F")
    before = await raw_rows("guarantee_files")

    response = await submit(client, worker, placement, fund, resources_cents=150_000, housing_benefit_cents=0)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "precheck_failed"
    assert {f["rule"] for f in problem["errors"]} == {"rent_burden", "energy_class"}
    assert all(f["message"] and f["field"] and f["source"] for f in problem["errors"])
    burden = next(f for f in problem["errors"] if f["rule"] == "rent_burden")
    assert burden["params"]["max_burden_ratio"] == "33/100"  # what would qualify: the fund's limit, from its policy
    assert await raw_rows("guarantee_files") == before and placement not in before  # nothing stored
    agent = as_(issuer, "agent-fsl", "fund_agent", fund)
    assert (await client.get("/v1/files", headers=agent)).json()["items"] == []
    assert (await client.get("/v1/files", headers=worker)).json()["items"] == []
    outbox = await raw_rows("event_outbox")
    assert placement not in outbox  # nothing published either

    eligible_unit = await waiting_placement(association, rent=40_000, charges=5_000, departement="30", energy="C")
    retry = await submit(client, worker, eligible_unit, fund, resources_cents=150_000)
    assert retry.status_code == 201 and retry.json()["status"] == "under_review"


async def test_information_requested_resubmitted_then_rejected_and_the_overdue_view(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-g")
    worker, agent = as_(issuer, "sw-g", "social_worker", association), as_(issuer, "agent-g", "fund_agent", fund)
    first = (await submit(client, worker, await waiting_placement(association), fund)).json()
    clock.now = START + timedelta(hours=1)
    second = (await submit(client, worker, await waiting_placement(association), fund)).json()

    clock.now = START + timedelta(hours=48)
    assert (await client.get("/v1/files", params={"overdue": "true"}, headers=agent)).json()["items"] == []  # due at the deadline: on time
    clock.now = START + timedelta(hours=48, minutes=1)
    overdue = (await client.get("/v1/files", params={"overdue": "true"}, headers=agent)).json()["items"]
    assert [f["id"] for f in overdue] == [first["id"]] and overdue[0]["overdue"]
    assert [f["id"] for f in (await client.get("/v1/files", headers=agent)).json()["items"]] == [first["id"], second["id"]]  # by deadline

    url = f"/v1/files/{first['id']}"
    assert (await client.post(f"{url}/information-requests", json={"message": " "}, headers=agent)).status_code == 422
    asked = await client.post(f"{url}/information-requests", json={"message": "Merci d'ajouter le contrat de travail."}, headers=agent)
    assert asked.status_code == 200 and asked.json()["status"] == "information_requested"
    assert asked.json()["review_deadline"] is None  # the clock stops while the association answers
    assert "contrat de travail" not in await raw_rows("file_steps", "event_outbox")
    seen = (await client.get(url, headers=worker)).json()
    assert seen["steps"][-1]["message"] == "Merci d'ajouter le contrat de travail."
    assert (await client.post(f"{url}/approval", json=SEEN_ELSEWHERE, headers=agent)).status_code == 409  # waiting for the association

    clock.now = START + timedelta(hours=60)
    refused = await client.post(f"{url}/resubmissions", json={"tenant": {**TENANT, "resources_cents": 0}}, headers=worker)
    assert refused.status_code == 422 and refused.json()["code"] == "precheck_failed"  # no resources: the burden rule
    assert [f["rule"] for f in refused.json()["errors"]] == ["rent_burden"]
    unchanged = (await client.get(url, headers=worker)).json()
    assert unchanged["status"] == "information_requested" and unchanged["steps"] == seen["steps"]  # nothing changed: answer again
    resubmitted = await client.post(
        f"{url}/resubmissions", json={"tenant": {**TENANT, "hired_or_transferred_on": "2026-10-01"}}, headers=worker
    )
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["status"] == "resubmitted"
    assert datetime.fromisoformat(resubmitted.json()["review_deadline"]) == START + timedelta(hours=108)  # restarts in full

    assert (await client.post(f"{url}/rejection", json={"reasons": []}, headers=agent)).status_code == 422
    unknown = await client.post(f"{url}/rejection", json={"reasons": ["looks_unreliable"]}, headers=agent)
    assert unknown.status_code == 422 and "unknown reason" in unknown.json()["detail"]
    rejected = await client.post(f"{url}/rejection", json={"reasons": ["rent_burden"]}, headers=agent)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected" and rejected.json()["reasons"] == ["rent_burden"]
    assert [s["action"] for s in rejected.json()["steps"]] == ["submit", "request_information", "resubmit", "reject"]
    assert (await client.post(f"/v1/files/{second['id']}/withdrawal", headers=worker)).json()["status"] == "withdrawn"


async def test_who_may_file_and_decide(api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association, other_association = unique("assoc-g"), unique("assoc-h")
    worker, agent = as_(issuer, "sw-g", "social_worker", association), as_(issuer, "agent-g", "fund_agent", fund)
    placement = await waiting_placement(association)
    assert (await submit(client, as_(issuer, "sw-h", "social_worker", other_association), placement, fund)).status_code == 404
    assert (await submit(client, worker, str(uuid.uuid4()), fund)).status_code == 404
    assert (await submit(client, worker, placement, "no-such-fund")).status_code == 404
    assert (await submit(client, worker, placement, fund, birth_date="not a date")).status_code == 422
    file = (await submit(client, worker, placement, fund)).json()
    assert (await client.post(f"/v1/files/{file['id']}/approval", headers=worker)).status_code == 403  # the fund decides
    assert (await client.post(f"/v1/files/{file['id']}/withdrawal", headers=agent)).status_code == 403
    assert (await client.get("/v1/files", headers=ops(issuer))).status_code == 403  # ops never reads files


async def test_a_fund_publishes_policy_versions_and_files_record_theirs(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    agent = as_(issuer, "agent-g", "fund_agent", fund)
    current = (await client.get(f"/v1/funds/{fund}/policy", headers=agent)).json()
    assert current["version"] == 1 and current["policy"]["rent_cap"]["zone_cents"] == 150_000
    bad = await client.put(f"/v1/funds/{fund}/policy", json={"rent_cap": {"default_cents": "lots"}}, headers=agent)
    assert bad.status_code == 422 and "rent_cap.default_cents" in bad.text
    assert (await client.get(f"/v1/funds/{fund}/policy", headers=agent)).json()["version"] == 1  # nothing changed
    lower = {**current["policy"], "rent_cap": {**current["policy"]["rent_cap"], "default_cents": 50_000}}
    updated = await client.put(f"/v1/funds/{fund}/policy", json=lower, headers=agent)
    assert updated.status_code == 200 and updated.json()["version"] == 2
    association = unique("assoc-g")
    worker = as_(issuer, "sw-g", "social_worker", association)
    refused = await submit(client, worker, await waiting_placement(association), fund)  # 650 € above the new 500 € cap
    assert refused.status_code == 422 and [f["rule"] for f in refused.json()["errors"]] == ["rent_cap"]
    assert refused.json()["errors"][0]["params"]["cap_cents"] == 50_000  # checked against version 2
    cheap = await submit(client, worker, await waiting_placement(association, rent=40_000, charges=5_000), fund)
    assert cheap.status_code == 201 and cheap.json()["policy_version"] == 2
    assert (await client.post("/v1/funds", json={"fund_id": fund, "name": "again", "kind": "gli"}, headers=ops(issuer))).status_code == 409
    assert (await client.post("/v1/funds", json={"fund_id": unique("f"), "name": "x", "kind": "gli"}, headers=agent)).status_code == 403


async def test_two_submissions_at_once_for_one_placement_give_one_file(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-r")
    worker = as_(issuer, "sw-r", "social_worker", association)
    placement = await waiting_placement(association)
    answers = await asyncio.gather(*(submit(client, worker, placement, fund) for _ in range(4)))
    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409]
    assert all(answer.headers["content-type"].startswith(("application/json", "application/problem+json")) for answer in answers)


async def test_reading_the_messages_is_logged_and_a_policy_out_of_range_is_refused(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-m")
    worker, agent = as_(issuer, "sw-m", "social_worker", association), as_(issuer, "agent-m", "fund_agent", fund)
    file = (await submit(client, worker, await waiting_placement(association), fund)).json()
    await client.post(f"/v1/files/{file['id']}/information-requests", json={"message": "Le bulletin de salaire ?"}, headers=agent)
    assert (await client.get(f"/v1/files/{file['id']}", headers=worker)).json()["steps"][-1]["message"] == "Le bulletin de salaire ?"
    log = await raw_rows("personal_data_access_log")
    assert f"sw-m,{association}" in log.replace('"', "") and "read_messages" in log
    huge = await client.put(f"/v1/funds/{fund}/policy", json={"visa": {"valid_months": 100_000}}, headers=agent)
    assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "body.visa.valid_months"


async def test_the_counts_are_true_totals_per_status_and_overdue_for_each_party(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-c")
    worker, agent = as_(issuer, "sw-c", "social_worker", association), as_(issuer, "agent-c", "fund_agent", fund)
    clock.now = START
    filed = [(await submit(client, worker, await waiting_placement(association), fund)).json() for _ in range(3)]
    asked = await client.post(f"/v1/files/{filed[0]['id']}/information-requests", json={"message": "Le contrat ?"}, headers=agent)
    assert asked.status_code == 200
    clock.now = START + timedelta(hours=49)  # past the 48 h deadline of the two still in the queue
    counts = await client.get("/v1/files/counts", headers=agent)
    assert counts.status_code == 200, counts.text
    body = counts.json()
    assert body["by_status"]["under_review"] == 2 and body["by_status"]["information_requested"] == 1
    assert body["by_status"]["approved"] == 0 and body["in_queue"] == 2 and body["overdue"] == 2 and body["total"] == 3
    assert (await client.get("/v1/files/counts", headers=worker)).json()["total"] == 3  # the association's own
    stranger = as_(issuer, "agent-x", "fund_agent", await new_fund(client, issuer))
    assert (await client.get("/v1/files/counts", headers=stranger)).json()["total"] == 0  # another fund sees none of them
    owner = as_(issuer, "owner-c", "owner", None)
    assert (await client.get("/v1/files/counts", headers=owner)).status_code == 403


async def test_a_file_names_its_home_and_the_associations_reference_for_the_household(
    api: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-n")
    worker, agent = as_(issuer, "sw-n", "social_worker", association), as_(issuer, "agent-n", "fund_agent", fund)
    placement = await waiting_placement(association)
    await execute_sql(
        "guarantees",
        "UPDATE unit_facts SET insee_code = '34172', postal_code = '34000', rooms = 2, living_area_m2 = 41.5"
        " WHERE unit_id = (SELECT unit_id FROM placements WHERE placement_id = :p)",
        p=placement,
    )  # as listings' unit events now leave them
    body = {"placement_id": placement, "fund_id": fund, "tenant": TENANT, "household_reference": "HW-2027-014"}
    filed = await client.post("/v1/files", json=body, headers=worker)
    assert filed.status_code == 201, filed.text
    seen = (await client.get(f"/v1/files/{filed.json()['id']}", headers=agent)).json()
    assert seen["household_reference"] == "HW-2027-014"
    assert {name: seen["unit"][name] for name in ("insee_code", "postal_code", "rooms", "living_area_m2")} == {
        "insee_code": "34172",
        "postal_code": "34000",
        "rooms": 2,
        "living_area_m2": 41.5,
    }
    without = (await submit(client, worker, await waiting_placement(association), fund)).json()
    assert without["household_reference"] is None and "insee_code" not in without["unit"]  # a unit whose event came before 0013
    too_long = await client.post("/v1/files", json={**body, "household_reference": "x" * 61}, headers=worker)
    assert too_long.status_code == 422
