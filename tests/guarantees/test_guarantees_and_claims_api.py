"""The guarantee activated by the signed lease (or refused, with the reason, by event), its end with the
tenancy, and unpaid-rent claims: constituted or not, the benefit deducted, the caps across claims, the
fund's validation and the payout against the subrogation receipt."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.guarantees.support import Api, approved, as_, guaranteed, inventories_signed, lease_signed, new_fund, outbox_types
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
    assert [g["file_id"] for g in (await client.get("/v1/guarantees", headers=ready.agent)).json()["items"]].count(file_id) == 1
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
    assert (await client.get("/v1/claims", headers=owner)).json()["items"] == []  # nothing refused was stored

    filed = await client.post(
        url, json={"months": [month("2027-01-05"), month("2027-02-05", paid=10_000)], "formal_notice_on": "2027-01-12"}, headers=owner
    )
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    assert claim["ground"] == "partial_arrears" and claim["arrears_cents"] == 120_000 and claim["payable_cents"] == 120_000
    assert claim["late"] == [] and claim["status"] == "filed"
    # constituted by February's rent, the day after it fell due; the deadlines count from that day (Visale: 15 and 30 days)
    deadlines = {"constituted_on": "2027-02-06", "formal_notice_by": "2027-02-21", "declare_by": "2027-03-08"}
    assert deadlines.items() <= claim.items()
    assert deadlines.items() <= (await client.get(f"/v1/claims/{claim['id']}", headers=agent)).json().items()
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
    assert late.json()["declare_by"] == "2027-05-06"  # constituted on 6 April: 30 days


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
    end_url = f"/v1/guarantees/{ready.file['id']}/end"
    assert (await client.post(end_url, json={"ended_on": "2026-01-01"}, headers=owner)).status_code == 422  # before the lease
    ended = await client.post(end_url, json={"ended_on": "2027-05-31"}, headers=owner)
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2027-05-31" and ended.json()["status"] == "ended"
    assert (await client.post(end_url, json={"ended_on": "2027-05-31"}, headers=owner)).status_code == 409
    await inventories_signed(api[0], ready.placement, date(2027, 1, 1), date(2027, 5, 31))
    second = await client.post(url, json={"months": [month("2027-03-05"), month("2027-04-05")], "damage_cents": 90_000}, headers=owner)
    assert second.status_code == 201, second.text
    assert second.json()["rent_payable_cents"] == RENT  # 3 months of cover over the tenancy: one was left
    assert second.json()["damage_payable_cents"] == RENT  # damage capped at 1 month of rent + charges
    after = await client.post(url, json={"months": [month("2027-06-05"), month("2027-05-05")]}, headers=owner)
    assert after.status_code == 422 and [e["field"] for e in after.json()["errors"]] == ["body.months.0.due_on"]  # after the tenancy
    assert "abri.guarantees.guarantee.ended.v1" in await outbox_types(ready.file["id"])


async def test_a_month_is_claimed_once_whatever_its_day_and_a_rejected_claim_frees_it(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    ready = await guaranteed(api, issuer)
    url, owner = f"/v1/guarantees/{ready.file['id']}/claims", ready.owner_headers
    clock.now = clock.now + timedelta(days=100)
    twice = await client.post(url, json={"months": [month("2027-01-05"), month("2027-01-20")]}, headers=owner)
    assert twice.status_code == 422 and "declared twice" in twice.text  # one unpaid month is not two
    filed = await client.post(
        url, json={"months": [month("2027-01-05"), month("2027-02-05")], "formal_notice_on": "2027-01-10"}, headers=owner
    )
    assert filed.status_code == 201, filed.text
    again = await client.post(url, json={"months": [month("2027-01-06")]}, headers=owner)
    assert again.status_code == 409 and "2027-01" in again.json()["detail"]

    claim = filed.json()["id"]
    wrong = await client.post(f"/v1/claims/{claim}/rejection", json={"reasons": ["looks_wrong"]}, headers=ready.agent)
    assert wrong.status_code == 422
    rejected = await client.post(f"/v1/claims/{claim}/rejection", json={"reasons": ["amounts_not_proven"]}, headers=ready.agent)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert (await client.post(f"/v1/claims/{claim}/validation", headers=ready.agent)).status_code == 409
    assert "abri.guarantees.claim.rejected.v1" in await outbox_types(claim)
    redone = await client.post(url, json={"months": [month("2027-01-05"), month("2027-02-05")]}, headers=owner)
    assert redone.status_code == 201 and redone.json()["payable_cents"] == 2 * RENT  # the rejected claim took nothing
    counts = await client.get("/v1/claims/counts", headers=owner)  # true totals, for the paged lists
    assert counts.status_code == 200 and counts.json()["by_status"]["rejected"] == 1 and counts.json()["by_status"]["filed"] == 1
    assert counts.json()["by_status"]["paid"] == 0 and counts.json()["total"] == 2
    fund_counts = (await client.get("/v1/claims/counts", headers=ready.agent)).json()
    assert fund_counts["by_status"]["rejected"] >= 1 and fund_counts["total"] >= 2  # its fund's, this owner's among them
    assert (await client.get("/v1/claims/counts", headers=ready.worker)).status_code == 403


async def test_once_constituted_later_months_follow_and_damage_waits_for_the_end(api: Api, issuer: TestIssuer) -> None:
    _, client, clock = api
    ready = await guaranteed(api, issuer)
    url, owner, end_url = f"/v1/guarantees/{ready.file['id']}/claims", ready.owner_headers, f"/v1/guarantees/{ready.file['id']}/end"
    clock.now = clock.now + timedelta(days=130)
    assert (await client.post(url, json={"months": [month("2027-01-05"), month("2027-02-05")]}, headers=owner)).status_code == 201
    half = await client.post(url, json={"months": [month("2027-03-05", paid=RENT // 2)]}, headers=owner)
    assert half.status_code == 201 and half.json()["ground"] == "continuing_arrears"  # March alone: the arrears are established
    early = await client.post(url, json={"damage_cents": 30_000}, headers=owner)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "body.damage_cents"  # the tenancy still runs
    assert (await client.post(url, json={}, headers=owner)).status_code == 422  # nothing declared
    assert (await client.post(end_url, json={"ended_on": "2027-03-31"}, headers=owner)).status_code == 200
    await inventories_signed(api[0], ready.placement, date(2027, 1, 1), date(2027, 3, 31))
    damage = await client.post(url, json={"damage_cents": 30_000}, headers=owner)
    assert damage.status_code == 201 and damage.json()["ground"] == "damage" and damage.json()["damage_payable_cents"] == 30_000


async def test_a_backdated_lease_cannot_slip_past_a_revocation_or_the_deadline(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    revoked = await approved(api, issuer)
    revocation = await client.post(f"/v1/files/{revoked.file['id']}/visa/revocation", json={"reason": "fraud"}, headers=revoked.agent)
    assert revocation.status_code == 200
    steps = (await client.get(f"/v1/files/{revoked.file['id']}", headers=revoked.agent)).json()["steps"]
    assert (steps[-1]["action"], steps[-1]["reasons"], steps[-1]["actor"]) == ("revoke_visa", ["fraud"], "agent-g")
    await lease_signed(app, revoked.placement, clock.now.date() - timedelta(days=1), reported_on=clock.now.date())  # typed yesterday
    assert (await client.get(f"/v1/guarantees/{revoked.file['id']}", headers=revoked.agent)).status_code == 404

    late = await approved(api, issuer)  # deadline 2027-03-01; typed 2027-02-28 but reported on 2027-03-20
    await lease_signed(app, late.placement, date(2027, 2, 28), reported_on=date(2027, 3, 20))
    assert (await client.get(f"/v1/guarantees/{late.file['id']}", headers=late.agent)).status_code == 404
    assert "abri.guarantees.guarantee.activation_refused.v1" in await outbox_types(late.file["id"])

    in_time = await approved(api, issuer)  # reported 10 days after signing, within the grace: activated
    await lease_signed(app, in_time.placement, date(2027, 2, 28), reported_on=date(2027, 3, 10), starts_on=date(2027, 3, 15))
    active = (await client.get(f"/v1/guarantees/{in_time.file['id']}", headers=in_time.agent)).json()
    assert active["lease_signed_on"] == "2027-02-28" and active["lease_starts_on"] == "2027-03-15"


async def test_a_damage_claim_stands_on_both_signed_inventories_which_the_fund_sees_side_by_side(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    ready = await guaranteed(api, issuer)
    url, owner = f"/v1/guarantees/{ready.file['id']}/claims", ready.owner_headers
    clock.now = clock.now + timedelta(days=130)
    assert (await client.post(f"/v1/guarantees/{ready.file['id']}/end", json={"ended_on": "2027-03-31"}, headers=owner)).status_code == 200
    await inventories_signed(app, ready.placement, date(2027, 1, 1), None)  # the move-out is not signed yet
    refused = await client.post(url, json={"damage_cents": 30_000}, headers=owner)
    assert refused.status_code == 422 and refused.json()["code"] == "damage_without_inventories", refused.text
    (item,) = refused.json()["errors"]
    assert (item["field"], item["params"], item["source_url"]) == ("body.damage_cents", {"missing": "move_out"}, "https://visale.fr/?p=224")
    assert (await client.get("/v1/claims", headers=owner)).json()["items"] == []  # nothing filed

    ids = await inventories_signed(app, ready.placement, date(2027, 1, 1), date(2027, 3, 31))
    kept = (await client.post(url, json={"damage_cents": 30_000}, headers=owner)).json()  # the first move-in stays the one kept
    assert kept["move_out_inventory_id"] == str(ids["move_out"]) and kept["move_in_inventory_id"] not in (None, str(ids["move_in"]))
    side_by_side = await client.get(f"/v1/claims/{kept['id']}/inventories", headers=ready.agent)
    assert side_by_side.status_code == 200, side_by_side.text
    body = side_by_side.json()
    assert (body["move_in"]["made_on"], body["move_out"]["made_on"], body["move_out"]["keys_handed"], body["worse"]) == (
        "2027-01-01", "2027-03-31", 2, 2,
    )  # fmt: skip
    assert [(r["room"], r["item"], r["before"], r["after"], r["change"]) for r in body["rows"]] == [
        ("Living room", "Walls", "good", "poor", "worse"),
        ("Living room", "Floor", "new", "new", "same"),
        ("Kitchen", "Oven", "fair", None, "missing"),
    ]
    assert (await client.get(f"/v1/claims/{kept['id']}/inventories", headers=owner)).status_code == 200
    stranger = as_(issuer, "owner-elsewhere", "owner", None)
    assert (await client.get(f"/v1/claims/{kept['id']}/inventories", headers=stranger)).status_code == 404
    rent_only = await client.post(url, json={"months": [month("2027-01-05"), month("2027-02-05")]}, headers=owner)
    assert rent_only.status_code == 201 and rent_only.json()["move_in_inventory_id"] is None
    assert (await client.get(f"/v1/claims/{rent_only.json()['id']}/inventories", headers=owner)).status_code == 404
