"""Issue 18, through the API on the real database: a damage claim opens no way to later arrears, Visale's
age and pay grounds at their edges, the sub-kind every upload names, the checklist the fund sees and the
stated reason an approval without a required document takes; every refusal coded with its source."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.guarantees.support import (
    SEEN_ELSEWHERE,
    TO_FOLLOW,
    Api,
    Guaranteed,
    approved,
    as_,
    guaranteed,
    inventories_signed,
    lease_signed,
    new_fund,
    outbox_types,
    raw_rows,
    submit,
    unique,
    waiting_placement,
)
from tests.guarantees.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

RENT = 65_000
VISALE_CLAIMS = "https://visale.fr/vos-questions/faq-bailleurs/la-gestion-des-impayes-de-loyer"
DECRET = "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000031444493"
PDF = b"%PDF-1.7\n% a scan\n%%EOF\n"


def month(due_on: str, paid: int = 0) -> dict[str, Any]:
    return {"due_on": due_on, "due_cents": RENT, "paid_by_tenant_cents": paid}


async def claims_after(api: Api, issuer: TestIssuer, *, days: int) -> tuple[Any, Guaranteed, str, dict[str, str]]:
    """A running guarantee, ``days`` after its lease: the client, the guarantee, its claims' URL, its owner."""
    _, client, clock = api
    ready = await guaranteed(api, issuer)
    clock.now = clock.now + timedelta(days=days)
    return client, ready, f"/v1/guarantees/{ready.file['id']}/claims", ready.owner_headers


def coded(body: dict[str, Any], rule: str) -> dict[str, Any]:
    """The ``errors`` item of ``rule``, which names its source (text and link) as ``abri_kit.legal`` says."""
    (item,) = [e for e in body["errors"] if e["rule"] == rule]
    assert isinstance(item, dict)
    assert {"rule", "fields", "message", "params", "source", "source_url"} <= set(item)
    return item


async def test_a_damage_claim_opens_no_way_to_ten_euros_of_arrears(api: Api, issuer: TestIssuer) -> None:
    client, ready, url, owner = await claims_after(api, issuer, days=130)
    assert (await client.post(f"/v1/guarantees/{ready.file['id']}/end", json={"ended_on": "2027-03-31"}, headers=owner)).status_code == 200
    await inventories_signed(api[0], ready.placement, date(2027, 1, 1), date(2027, 3, 31))
    damage = await client.post(url, json={"damage_cents": 30_000}, headers=owner)
    assert damage.status_code == 201 and damage.json()["ground"] == "damage"

    ten_euros = await client.post(url, json={"months": [month("2027-02-05", paid=RENT - 1_000)]}, headers=owner)
    assert ten_euros.status_code == 422 and ten_euros.json()["code"] == "claim_not_constituted", ten_euros.text
    item = coded(ten_euros.json(), "claim_not_constituted")
    assert item["source_url"] == VISALE_CLAIMS and item["params"]["arrears_cents"] == 1_000
    assert item["params"]["partial_arrears_above_cents"] == RENT and item["field"] == "body.months"
    assert [c["ground"] for c in (await client.get("/v1/claims", headers=owner)).json()["items"]] == ["damage"]  # nothing stored

    constituted = await client.post(url, json={"months": [month("2027-01-05"), month("2027-03-05")]}, headers=owner)
    assert constituted.status_code == 201 and constituted.json()["ground"] == "wholly_unpaid_months"
    follows = await client.post(url, json={"months": [month("2027-02-05", paid=RENT - 1_000)]}, headers=owner)
    assert follows.status_code == 201 and follows.json()["ground"] == "continuing_arrears"


async def test_a_continuation_whose_constituted_claim_was_rejected_opens_nothing(api: Api, issuer: TestIssuer) -> None:
    client, ready, url, owner = await claims_after(api, issuer, days=160)
    first = (await client.post(url, json={"months": [month("2027-01-05"), month("2027-02-05")]}, headers=owner)).json()
    assert (await client.post(url, json={"months": [month("2027-03-05", paid=RENT - 1_000)]}, headers=owner)).status_code == 201
    rejected = await client.post(f"/v1/claims/{first['id']}/rejection", json={"reasons": ["amounts_not_proven"]}, headers=ready.agent)
    assert rejected.status_code == 200
    april = await client.post(url, json={"months": [month("2027-04-05", paid=RENT - 1_000)]}, headers=owner)
    assert april.status_code == 422 and april.json()["code"] == "claim_not_constituted"


async def test_a_refused_month_names_its_rule_and_source(api: Api, issuer: TestIssuer) -> None:
    client, _, url, owner = await claims_after(api, issuer, days=75)
    refused = await client.post(url, json={"months": [month("2026-11-05"), month("2027-09-05")], "damage_cents": 1}, headers=owner)
    assert refused.status_code == 422
    rules = {e["rule"]: e for e in refused.json()["errors"]}
    assert set(rules) == {"month_outside_tenancy", "month_not_due", "damage_before_tenancy_end"}
    outside = rules["month_outside_tenancy"]
    assert outside["field"] == "body.months.0.due_on" and outside["source_url"] == VISALE_CLAIMS
    assert rules["month_not_due"]["source"] == "" and rules["month_not_due"]["source_url"] is None  # Abri's own coherence check
    assert "visale.fr" in rules["damage_before_tenancy_end"]["source_url"]


async def prechecked(response: httpx.Response) -> dict[str, Any]:
    """A filing's outcome: the file in the queue (201), or the refused pre-check (422 ``precheck_failed``,
    nothing stored) as ``{"status": "ineligible", "failures": [...]}``."""
    if response.status_code == 422 and response.json().get("code") == "precheck_failed":
        return {"status": "ineligible", "failures": response.json()["errors"]}
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_visale_grounds_at_their_edges_cite_the_funds_pages(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api  # the clock says 2026-12-01
    fund = await new_fund(client, issuer)
    association = unique("assoc-q")
    worker = as_(issuer, "sw-q", "social_worker", association)

    async def outcome(**tenant: Any) -> dict[str, Any]:
        return await prechecked(await submit(client, worker, await waiting_placement(association), fund, **tenant))

    assert (await outcome(birth_date="2009-02-01"))["status"] == "under_review"  # 17 years and 10 months on the day
    young = await outcome(birth_date="2009-02-02")  # the eve
    assert young["status"] == "ineligible" and "30-ans-ou-moins" in young["failures"][0]["source_url"]
    employee = {"birth_date": "1980-01-01", "hired_or_transferred_on": "2015-01-05"}
    assert (await outcome(**employee, net_monthly_pay_cents=150_000))["status"] == "under_review"
    zero = await outcome(**employee, net_monthly_pay_cents=0)  # 0 € is no employee's pay
    assert zero["status"] == "ineligible" and "plus-de-30-ans" in zero["failures"][0]["source_url"]
    unhired = await outcome(birth_date="1980-01-01", net_monthly_pay_cents=100_000)  # no employment: the hiring date is missing
    assert unhired["status"] == "ineligible"
    (failure,) = unhired["failures"]
    assert failure["fields"] == ["body.tenant.hired_or_transferred_on"] and failure["params"]["missing"] == "hired_or_transferred_on"
    accepts = failure["params"]["accepts"].split(",")  # what would qualify, from the fund's policy data
    assert accepts == ["recently_hired_or_transferred", "low_net_pay", "job_promise", "bail_mobilite"]
    assert failure["params"]["hired_within_months"] == 6 and failure["params"]["max_net_pay_cents"] == 150_000
    assert failure["params"]["accepts_from_age"] == 18 and failure["params"]["max_age"] == 30
    assert failure["params"]["low_pay"] == "hiring_date_missing" and "hiring (or transfer) date" in failure["message"]
    assert (await outcome(**employee, net_monthly_pay_cents=150_001))["status"] == "ineligible"


async def test_every_upload_names_its_sub_kind_and_the_table_refuses_one_without(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-s")
    worker = as_(issuer, "sw-s", "social_worker", association)
    file = (await submit(client, worker, await waiting_placement(association), fund)).json()
    url = f"/v1/files/{file['id']}/documents"
    for form in ({"kind": "identity"}, {"kind": "identity", "sub_kind": ""}, {"kind": "identity", "sub_kind": "library_card"}):
        refused = await client.post(url, data=form, files={"content": ("scan", PDF, "application/pdf")}, headers=worker)
        assert refused.status_code == 422, (form, refused.text)
        item = refused.json()["errors"][0]
        assert item["field"] == "body.sub_kind" and item["source_url"] == DECRET
        assert item["params"]["allowed"] == "driving_licence, national_identity_card, passport, residence_permit"
    assert (await client.get(url, headers=worker)).json()["items"] == []  # nothing stored

    engine = create_async_engine(database_url("guarantees"))
    try:
        async with engine.connect() as conn:
            valid = await conn.scalar(sa.text("SELECT convalidated FROM pg_constraint WHERE conname = 'documents_sub_kind_required'"))
            assert valid is False  # NOT VALID: documents uploaded before stay as they are, readable
            insert = "INSERT INTO documents VALUES (gen_random_uuid(), :f, 'identity', NULL, 'application/pdf', 1, '\\x00', 'x', now())"
            try:
                await conn.execute(sa.text(insert), {"f": file["id"]})
                raise AssertionError("a document without a sub-kind was stored")
            except IntegrityError:
                await conn.rollback()
    finally:
        await engine.dispose()


async def test_the_fund_sees_the_checklist_and_approves_without_a_piece_only_with_a_reason(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-c")
    worker, agent = as_(issuer, "sw-c", "social_worker", association), as_(issuer, "agent-c", "fund_agent", fund)
    file = (await submit(client, worker, await waiting_placement(association), fund)).json()
    base = f"/v1/files/{file['id']}"

    async def add(kind: str, sub_kind: str) -> None:
        form = {"kind": kind, "sub_kind": sub_kind}
        added = await client.post(f"{base}/documents", data=form, files={"content": ("scan", PDF, "application/pdf")}, headers=worker)
        assert added.status_code == 201, added.text

    await add("identity", "passport")
    checklist = (await client.get(f"{base}/checklist", headers=agent)).json()
    assert checklist["complete"] is False and checklist["missing"] == ["professional_situation", "resources"]
    assert [(i["kind"], i["required"], i["present"]) for i in checklist["items"]] == [
        ("identity", True, True),
        ("proof_of_address", False, False),
        ("professional_situation", True, False),
        ("resources", True, False),
    ]
    assert checklist["source_url"] and "visale.fr" in checklist["source_url"]
    assert (await client.get(f"{base}/checklist", headers=worker)).status_code == 200  # the association sees it too
    assert (await client.get(f"{base}/checklist", headers=as_(issuer, "agent-z", "fund_agent", "another-fund"))).status_code == 404

    bare = await client.post(f"{base}/approval", headers=agent)
    assert bare.status_code == 422 and bare.json()["code"] == "required_documents_missing", bare.text
    assert bare.json()["missing"] == ["professional_situation", "resources"]
    assert "documents_to_follow" in coded(bare.json(), "required_documents_missing")["params"]["allowed_reasons"]
    note = "Payslips seen at the interview; copies follow. Tenant Kovalenko-Durand."
    for body in (
        {"missing_documents": {"reason": "documents_to_follow"}},  # no note
        {"missing_documents": {"reason": "documents_to_follow", "note": ""}},
        {"missing_documents": {"reason": "documents_to_follow", "note": "x" * 501}},  # one character above the bound
        {"missing_documents": {"reason": "because", "note": note}},  # not a coded reason
    ):
        assert (await client.post(f"{base}/approval", json=body, headers=agent)).status_code == 422, body
    assert (await client.get(base, headers=agent)).json()["status"] == "under_review"  # nothing changed

    reason = {"missing_documents": {"reason": "equivalent_proof_seen", "note": note}}
    approved = await client.post(f"{base}/approval", json=reason, headers=agent)
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    (step,) = [s for s in approved.json()["steps"] if s["action"] == "approve"]
    assert step["reasons"] == [
        "approved_with_missing_documents",
        "equivalent_proof_seen",
        "missing_professional_situation",
        "missing_resources",
    ]
    read = (await client.get(base, headers=agent)).json()
    assert [s["message"] for s in read["steps"] if s["action"] == "approve"] == [note]
    assert "Kovalenko" not in await raw_rows("file_steps") and "Kovalenko" not in await raw_rows("event_outbox")  # sealed, not in events
    assert "abri.guarantees.file.approved.v1" in await outbox_types(file["id"])


async def test_a_complete_file_is_approved_in_one_step_and_a_note_at_the_bound_is_taken(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-k")
    worker, agent = as_(issuer, "sw-k", "social_worker", association), as_(issuer, "agent-k", "fund_agent", fund)
    complete = (await submit(client, worker, await waiting_placement(association), fund)).json()
    for kind, sub_kind in (("identity", "passport"), ("professional_situation", "employment_contract"), ("resources", "payslips")):
        form = {"kind": kind, "sub_kind": sub_kind}
        files = {"content": ("scan", PDF, "application/pdf")}
        assert (await client.post(f"/v1/files/{complete['id']}/documents", data=form, files=files, headers=worker)).status_code == 201
    assert (await client.get(f"/v1/files/{complete['id']}/checklist", headers=agent)).json()["complete"] is True
    done = await client.post(f"/v1/files/{complete['id']}/approval", headers=agent)
    assert done.status_code == 200 and [s["reasons"] for s in done.json()["steps"] if s["action"] == "approve"] == [[]]

    bound = (await submit(client, worker, await waiting_placement(association), fund)).json()
    body = {"missing_documents": {**SEEN_ELSEWHERE["missing_documents"], "note": "x" * 500}}
    assert (await client.post(f"/v1/files/{bound['id']}/approval", json=body, headers=agent)).status_code == 200


async def test_documents_to_follow_are_added_after_the_approval_and_the_lease_waits_for_them(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    fund = await new_fund(client, issuer)
    association = unique("assoc-f")
    worker, agent = as_(issuer, "sw-f", "social_worker", association), as_(issuer, "agent-f", "fund_agent", fund)
    pdf = {"content": ("scan", PDF, "application/pdf")}

    async def add(file_id: str, kind: str, sub_kind: str) -> int:
        return (
            await client.post(f"/v1/files/{file_id}/documents", data={"kind": kind, "sub_kind": sub_kind}, files=pdf, headers=worker)
        ).status_code

    seen = (await submit(client, worker, await waiting_placement(association), fund)).json()
    assert (await client.post(f"/v1/files/{seen['id']}/approval", json=SEEN_ELSEWHERE, headers=agent)).status_code == 200
    assert await add(seen["id"], "identity", "passport") == 409  # decided on proof seen elsewhere: the file is closed

    placement = await waiting_placement(association)
    to_follow = (await submit(client, worker, placement, fund)).json()
    assert (await client.post(f"/v1/files/{to_follow['id']}/approval", json=TO_FOLLOW, headers=agent)).status_code == 200
    assert await add(to_follow["id"], "identity", "passport") == 201  # the pieces follow the approval
    await lease_signed(app, placement, clock.now.date())  # before the last two came
    assert "abri.guarantees.guarantee.activation_refused.v1" in await outbox_types(to_follow["id"])
    assert "abri.guarantees.guarantee.activated.v1" not in await outbox_types(to_follow["id"])

    placement = await waiting_placement(association)
    complete = (await submit(client, worker, placement, fund)).json()
    assert (await client.post(f"/v1/files/{complete['id']}/approval", json=TO_FOLLOW, headers=agent)).status_code == 200
    for kind, sub_kind in (("identity", "passport"), ("professional_situation", "employment_contract"), ("resources", "payslips")):
        assert await add(complete["id"], kind, sub_kind) == 201
    await lease_signed(app, placement, clock.now.date())
    assert "abri.guarantees.guarantee.activated.v1" in await outbox_types(complete["id"])


async def test_a_lease_before_the_18th_birthday_is_refused_naming_it_and_the_birthday_itself_activates(
    api: Api, issuer: TestIssuer
) -> None:
    app, client, _ = api  # the clock says 2026-12-01: born 2009-01-15, the tenant is 17 years and 10 months and more
    ready = await approved(api, issuer, birth_date="2009-01-15")
    visa = await client.get(f"/v1/files/{ready.file['id']}/visa", headers=ready.worker)
    assert visa.json()["lease_not_before"] == "2027-01-15" and ready.file["visa"]["lease_not_before"] == "2027-01-15"
    check = f"/v1/files/{ready.file['id']}/visa/lease-check"
    eve = await client.post(check, json={"signed_on": "2027-01-14", "rent_and_charges_cents": 50_000}, headers=ready.worker)
    assert eve.status_code == 422 and eve.json()["code"] == "lease_signed_before_majority", eve.text
    item = coded(eve.json(), "lease_signed_before_majority")
    assert item["params"] == {"lease_signed_on": "2027-01-14", "birthday": "2027-01-15"}
    assert item["field"] == "body.signed_on" and item["fields"] == ["body.signed_on"]
    assert "30-ans-ou-moins" in item["source_url"]
    day = await client.post(check, json={"signed_on": "2027-01-15", "rent_and_charges_cents": 50_000}, headers=ready.agent)
    assert day.status_code == 200 and day.json()["judged_signing_day"] == "2027-01-15", day.text
    above = await client.post(check, json={"signed_on": "2027-01-15", "rent_and_charges_cents": 10_000_000}, headers=ready.agent)
    assert above.status_code == 422 and coded(above.json(), "rent_above_visa_max")["field"] == "body.rent_and_charges_cents"
    stranger = as_(issuer, "sw-x", "social_worker", unique("assoc-x"))
    assert (await client.post(check, json={"signed_on": "2027-01-15", "rent_and_charges_cents": 1}, headers=stranger)).status_code == 404

    await lease_signed(app, ready.placement, date(2027, 1, 14))  # the eve, reported that day
    assert "abri.guarantees.guarantee.activation_refused.v1" in await outbox_types(ready.file["id"])
    assert "abri.guarantees.guarantee.activated.v1" not in await outbox_types(ready.file["id"])
    assert (await client.get(f"/v1/guarantees/{ready.file['id']}", headers=ready.owner_headers)).status_code == 404

    of_age = await approved(api, issuer, birth_date="2009-01-15")
    await lease_signed(app, of_age.placement, date(2027, 1, 15))  # the birthday itself
    assert "abri.guarantees.guarantee.activated.v1" in await outbox_types(of_age.file["id"])


async def test_a_job_promise_counts_with_its_start_within_three_months_of_the_request(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api  # the clock says 2026-12-01: the job must start from that day to 2027-03-01
    fund = await new_fund(client, issuer)
    association = unique("assoc-p")
    worker = as_(issuer, "sw-p", "social_worker", association)

    async def outcome(**tenant: Any) -> dict[str, Any]:
        return await prechecked(await submit(client, worker, await waiting_placement(association), fund, birth_date="1980-01-01", **tenant))

    assert (await outcome(job_promise_on="2026-11-20", job_starts_on="2027-03-01"))["status"] == "under_review"  # the last day
    late = await outcome(job_promise_on="2026-11-20", job_starts_on="2027-03-02")
    (failure,) = late["failures"]
    assert late["status"] == "ineligible" and failure["rule"] == "age_or_situation"
    assert failure["fields"] == ["body.tenant.job_starts_on"] and failure["params"]["job_promise"] == "start_too_late"
    assert failure["params"]["job_starts_by"] == "2027-03-01" and "plus-de-30-ans" in failure["source_url"]
    undated = (await outcome(job_promise_on="2026-11-20"))["failures"][0]
    assert undated["params"]["missing"] == "job_starts_on" and undated["fields"] == ["body.tenant.job_starts_on"]
    assert "missing" in undated["message"]
