"""The guarantee activated by the signed lease (or refused, with the reason, by event), its end with the
tenancy, and unpaid-rent claims: constituted or not, the benefit deducted, the caps across claims, the
fund's validation and the payout against the subrogation receipt."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.guarantees.support import Api, approved, as_, guaranteed, lease_signed, new_fund, outbox_types
from tests.guarantees.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

RENT = 65_000  # the unit's rent + charges in the tests' placements


def month(due_on: str, paid: int = 0, benefit: int = 0, due: int = RENT) -> dict[str, Any]:
    return {"due_on": due_on, "due_cents": due, "paid_by_tenant_cents": paid, "housing_benefit_cents": benefit}


async def test_a_lease_within_the_visa_activates_the_guarantee_once(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ready = await guaranteed(api, issuer)
    file_id = ready.file["id"]
    seen = await client.get(f"/v1/guarantees/{file_id}", headers=ready.owner_headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["status"] == "active" and seen.json()["rent_and_charges_cents"] == RENT
    assert seen.json()["visa_number"] == ready.file["visa"]["number"]
    assert [g["file_id"] for g in (await client.get("/v1/guarantees", headers=ready.agent)).json()].count(file_id) == 1
    types = await outbox_types(file_id)
    assert types.count("abri.guarantees.guarantee.activated.v1") == 1  # the redelivered lease changed nothing
    assert (await client.get(f"/v1/guarantees/{file_id}", headers=as_(issuer, "owner-x", "owner", None))).status_code == 404
    assert (await client.get(f"/v1/guarantees/{file_id}", headers=ready.worker)).status_code == 403


async def test_a_lease_that_does_not_fit_the_visa_is_refused_with_its_reason(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    late = await approved(api, issuer)
    await lease_signed(app, late.placement, date(2027, 3, 2))  # the deadline was 2027-03-01
    dear = await approved(api, issuer)
    await lease_signed(app, dear.placement, clock.now.date(), rent=100_000, charges=10_001)  # 1 cent above the visa's 110,000
    exact = await approved(api, issuer)
    await lease_signed(app, exact.placement, date(2027, 3, 1), rent=100_000, charges=10_000)  # at the maximum, on the deadline
    for refused in (late, dear):
        assert (await client.get(f"/v1/guarantees/{refused.file['id']}", headers=refused.agent)).status_code == 404
        assert "abri.guarantees.guarantee.activation_refused.v1" in await outbox_types(refused.file["id"])
    assert (await client.get(f"/v1/guarantees/{exact.file['id']}", headers=exact.agent)).json()["rent_and_charges_cents"] == 110_000
    assert "abri.guarantees.guarantee.activated.v1" not in await outbox_types(dear.file["id"])


async def test_claims_constituted_or_not_capped_validated_and_paid(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    ready = await guaranteed(api, issuer)
    url, owner, agent = f"/v1/guarantees/{ready.file['id']}/claims", ready.owner_headers, ready.agent
    clock.now = clock.now + timedelta(days=75)

    one_month = await client.post(url, json={"months": [month("2027-01-05")], "formal_notice_on": "2027-01-12"}, headers=owner)
    assert one_month.status_code == 422 and one_month.json()["code"] == "claim_not_constituted"
    benefit = {"months": [month("2027-01-05", paid=10_000, benefit=40_000), month("2027-02-05", paid=10_000, benefit=40_000)]}
    not_yet = await client.post(url, json=benefit, headers=owner)  # the benefit deducted first: 2 × 150 € unpaid, under one month
    assert not_yet.status_code == 422
    before = await client.post(url, json={"months": [month("2026-11-05"), month("2027-01-05")]}, headers=owner)
    assert before.status_code == 422 and before.json()["errors"][0]["field"] == "body.months.0.due_on"  # before the lease
    above = await client.post(url, json={"months": [month("2027-01-05", due=RENT + 1), month("2027-02-05")]}, headers=owner)
    assert above.status_code == 422
    assert (await client.post(url, json={"months": [month("2027-01-05"), month("2027-01-05")]}, headers=owner)).status_code == 422
    assert (await client.get("/v1/claims", headers=owner)).json() == []  # nothing refused was stored

    filed = await client.post(
        url, json={"months": [month("2027-01-05"), month("2027-02-05", paid=10_000)], "formal_notice_on": "2027-01-12"}, headers=owner
    )
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    assert claim["ground"] == "partial_arrears" and claim["arrears_cents"] == 120_000 and claim["payable_cents"] == 120_000
    assert claim["late"] == [] and claim["status"] == "filed"
    again = await client.post(url, json={"months": [month("2027-02-05")]}, headers=owner)
    assert again.status_code == 409  # February is claimed already
    future = await client.post(url, json={"months": [month("2027-03-05"), month("2027-04-05")]}, headers=owner)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "body.months.0.due_on"  # not due yet

    claim_url = f"/v1/claims/{claim['id']}"
    assert (await client.post(f"{claim_url}/payment", json={"subrogation_receipt": "QS-2027-001"}, headers=agent)).status_code == 409
    assert (await client.post(f"{claim_url}/validation", headers=owner)).status_code == 403
    validated = await client.post(f"{claim_url}/validation", headers=agent)
    assert validated.status_code == 200 and validated.json()["status"] == "validated"
    paid = await client.post(f"{claim_url}/payment", json={"subrogation_receipt": "QS-2027-001"}, headers=agent)
    assert paid.status_code == 200 and paid.json()["paid_cents"] == 120_000 and paid.json()["subrogation_receipt"] == "QS-2027-001"
    assert [t.split(".")[3] for t in await outbox_types(claim["id"])] == ["filed", "validated", "paid"]
    assert (await client.get(claim_url, headers=as_(issuer, "owner-x", "owner", None))).status_code == 404

    clock.now = clock.now + timedelta(days=90)  # 2027-05-15: declared 40 days after the claim was constituted, no formal notice
    late = await client.post(url, json={"months": [month("2027-03-05"), month("2027-04-05")]}, headers=owner)
    assert late.status_code == 201 and late.json()["late"] == ["formal_notice_missing", "declaration_late"]  # recorded, for the fund


async def test_the_cover_caps_hold_across_claims_and_the_guarantee_ends_with_the_tenancy(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    fund = await new_fund(client, issuer)
    agent = as_(issuer, "agent-c", "fund_agent", fund)
    policy = (await client.get(f"/v1/funds/{fund}/policy", headers=agent)).json()["policy"]
    small = {**policy, "cover": {"unpaid_rent_months": 3, "damage_months": 1}}
    assert (await client.put(f"/v1/funds/{fund}/policy", json=small, headers=agent)).status_code == 200
    ready = await approved(api, issuer, fund=fund)
    await lease_signed(api[0], ready.placement, clock.now.date())
    owner, url = ready.owner_headers, f"/v1/guarantees/{ready.file['id']}/claims"
    clock.now = clock.now + timedelta(days=200)
    first = await client.post(url, json={"months": [month("2027-01-05"), month("2027-02-05")]}, headers=owner)
    assert first.status_code == 201 and first.json()["rent_payable_cents"] == 2 * RENT
    second = await client.post(url, json={"months": [month("2027-03-05"), month("2027-04-05")], "damage_cents": 90_000}, headers=owner)
    assert second.status_code == 201
    assert second.json()["rent_payable_cents"] == RENT  # 3 months of cover over the tenancy: one was left
    assert second.json()["damage_payable_cents"] == RENT  # damage capped at 1 month of rent + charges

    end_url = f"/v1/guarantees/{ready.file['id']}/end"
    assert (await client.post(end_url, json={"ended_on": "2026-01-01"}, headers=owner)).status_code == 422  # before the lease
    ended = await client.post(end_url, json={"ended_on": "2027-05-31"}, headers=owner)
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2027-05-31" and ended.json()["status"] == "ended"
    assert (await client.post(end_url, json={"ended_on": "2027-05-31"}, headers=owner)).status_code == 409
    after = await client.post(url, json={"months": [month("2027-06-05"), month("2027-05-05")]}, headers=owner)
    assert after.status_code == 422 and [e["field"] for e in after.json()["errors"]] == ["body.months.0.due_on"]  # after the tenancy
    assert "abri.guarantees.guarantee.ended.v1" in await outbox_types(ready.file["id"])
