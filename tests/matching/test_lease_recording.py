"""When a lease is recorded and renewed, through the API on a clock the test moves: a signature dated before a
ban that has begun by the recording day is accepted within the policy's grace and kept in the placement's
timeline; dated further back than the grace, refused (422 ``lease_signed_too_long_ago``) and nothing changes.
A lease is renewed or tacitly continued at its term's end (one year furnished, the head lease's end for a
sliding lease), not from its unit's ban nor past its DPE; each refusal coded, and nothing changes."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.guarantees import GuaranteeApproved
from abri_matching.events.guarantees import on_guarantee_approved
from tests.matching.test_home_day import BAN, accepted, lease, paris
from tests.matching.test_households_api import as_
from tests.matching.test_placements_api import events_of
from tests.matching.test_sliding_leases import T0, Clock, a_unit, proposed, rules, set_unit, sliding_lease
from tests.matching.test_sliding_leases import served as served
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

EVE = BAN - timedelta(days=1)


async def test_a_signature_before_a_ban_in_force_is_recorded_within_the_grace_and_kept_in_the_timeline(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    grace = app.state.placement_policy.lease_recording_grace_days
    assert grace == 30

    url, worker = await accepted(client, issuer, {}, paris(T0, 12), clock)
    clock.on(EVE + timedelta(days=grace + 1))  # one day past the grace: the ban began 30 days ago
    late = await client.post(url, json=lease(EVE), headers=worker)
    assert rules(late) == ["lease_signed_too_long_ago"]
    assert late.json()["errors"][0]["params"]["grace_days"] == grace
    assert late.json()["errors"][0]["params"]["earliest_signed_on"] == BAN.isoformat()
    placement = url.removesuffix("/lease")
    assert (await client.get(placement, headers=worker)).json()["status"] == "accepted"  # nothing changed
    assert await events_of(placement.rsplit("/", 1)[1]) == ["proposed", "accepted"]

    clock.on(EVE + timedelta(days=grace))  # the grace's last day
    signed = await client.post(url, json=lease(EVE), headers=worker)
    assert signed.status_code == 200, signed.text
    step = signed.json()["timeline"][-1]
    assert (step["step"], step["reason"]) == ("sign_lease", "signed_before_ban_recorded_after")


async def test_a_lease_recorded_before_its_ban_begins_carries_no_mark(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = served
    url, worker = await accepted(client, issuer, {}, paris(T0, 12), clock)
    clock.on(EVE)
    signed = await client.post(url, json=lease(EVE), headers=worker)
    assert signed.status_code == 200 and signed.json()["timeline"][-1]["reason"] is None, signed.text


async def direct_lease(
    app: FastAPI, client: httpx.AsyncClient, issuer: TestIssuer, clock: Clock, **unit: Any
) -> tuple[str, dict[str, str], str]:
    """A direct lease signed on T0 + 2 for a home handed over on 1 May 2027 (the guarantee approved the day
    before): the placement's URL, the worker, the unit's id."""
    clock.on(T0)
    row = await a_unit(available_from=T0, **unit)
    worker, owner = as_(issuer, "sw-r", org_id="assoc-r"), as_(issuer, row["owner_id"], "owner", org_id=None)
    placement = (await proposed(client, worker, row, "direct_lease")).json()["id"]
    assert (await client.post(f"/v1/placements/{placement}/accept", json={}, headers=owner)).json()["status"] == "awaiting_guarantee"
    approved = GuaranteeApproved(
        file_id=uuid.uuid4(), placement_id=uuid.UUID(placement), fund_id="fund-r",
        decided_at=paris(T0 + timedelta(days=1), 10), max_rent_cents=90_000, valid_until=date(2029, 1, 1),
    )  # fmt: skip
    async with app.state.sessionmaker() as session, session.begin():
        await on_guarantee_approved(session, ReceivedEvent(Envelope.of(approved), approved, "abri.guarantees.file", 0, 0))
    clock.on(T0 + timedelta(days=2))
    body = {"signed_on": (T0 + timedelta(days=2)).isoformat(), "starts_on": "2027-05-01", "lease_type": "direct"}
    signed = await client.post(f"/v1/placements/{placement}/lease", json=body, headers=worker)
    assert signed.status_code == 200, signed.text
    return f"/v1/placements/{placement}", worker, str(row["unit_id"])


async def test_a_furnished_homes_lease_is_renewed_at_its_terms_end_outside_the_ban_and_with_a_valid_dpe(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    ban = date(2028, 5, 1)
    url, worker, unit_id = await direct_lease(
        app, client, issuer, clock, furnished=True, letting_banned_from=ban, dpe_valid_until=date(2030, 1, 1)
    )
    seen = (await client.get(url, headers=worker)).json()
    assert (seen["lease_term_ends_on"], seen["lease_renewals"]) == ("2028-04-30", [])  # one year furnished

    def renewal(day: str, kind: str = "tacit") -> dict[str, str]:
        return {"renews_on": day, "kind": kind}

    clock.on(date(2028, 4, 30))
    assert rules(await client.post(f"{url}/renewals", json=renewal("2028-05-01"), headers=worker)) == [
        "renewal_in_the_future", "energy_letting_ban",
    ]  # fmt: skip
    clock.on(date(2028, 5, 2))
    assert rules(await client.post(f"{url}/renewals", json=renewal("2028-04-30"), headers=worker)) == ["renewal_not_at_term_end"]
    banned = await client.post(f"{url}/renewals", json=renewal("2028-05-01"), headers=worker)  # the ban's first day
    assert rules(banned) == ["energy_letting_ban"] and banned.json()["errors"][0]["params"]["renews_on"] == "2028-05-01"
    await set_unit(uuid.UUID(unit_id), letting_banned_from=None, dpe_valid_until=date(2028, 4, 30))
    assert rules(await client.post(f"{url}/renewals", json=renewal("2028-05-01"), headers=worker)) == ["dpe_expired_at_renewal"]
    unchanged = (await client.get(url, headers=worker)).json()
    assert (unchanged["lease_term_ends_on"], unchanged["lease_renewals"], unchanged["timeline"][-1]["step"]) == (
        "2028-04-30",
        [],
        "sign_lease",
    )

    await set_unit(uuid.UUID(unit_id), dpe_valid_until=date(2028, 5, 1))
    renewed = await client.post(f"{url}/renewals", json=renewal("2028-05-01"), headers=worker)
    assert renewed.status_code == 200, renewed.text
    assert (renewed.json()["status"], renewed.json()["lease_term_ends_on"], renewed.json()["lease_renewals"]) == (
        "lease_signed", "2029-04-30", ["2028-05-01"],
    )  # fmt: skip
    step = renewed.json()["timeline"][-1]
    assert (step["step"], step["reason"], step["actor_role"]) == ("renew", "tacit", "social_worker")
    again = await client.post(f"{url}/renewals", json=renewal("2028-05-01"), headers=worker)  # the same term again: not its end any more
    assert rules(again) == ["renewal_not_at_term_end"] and again.json()["errors"][0]["params"]["renews_on"] == "2029-05-01"
    assert (await client.post(f"{url}/renewals", json={"renews_on": "2029-05-01", "kind": "sometimes"}, headers=worker)).status_code == 422


async def test_a_head_lease_renewed_moves_its_end_and_an_owner_does_not_record_it(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = served
    placement, worker, owner = await sliding_lease(issuer, client)
    url = f"/v1/placements/{placement}"
    head = T0 + timedelta(days=3 * 365)
    assert (await client.get(url, headers=worker)).json()["lease_term_ends_on"] == head.isoformat()  # the head lease's end
    clock.on(head + timedelta(days=1))
    body = {"renews_on": (head + timedelta(days=1)).isoformat(), "kind": "renewed"}
    assert (await client.post(f"{url}/renewals", json=body, headers=owner)).status_code == 403  # the association records leases
    renewed = await client.post(f"{url}/renewals", json=body, headers=worker)
    assert renewed.status_code == 200, renewed.text
    three_years = (head + timedelta(days=1)).replace(year=head.year + 3) - timedelta(days=1)
    assert renewed.json()["lease_term_ends_on"] == renewed.json()["head_lease_ends_on"] == three_years.isoformat()
    assert renewed.json()["timeline"][-1]["reason"] == "renewed"


async def test_a_class_g_home_whose_ban_date_listings_never_sent_gets_no_lease_until_it_does(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = served
    url, worker = await accepted(client, issuer, {"energy_class": "G", "overseas": False}, paris(T0, 12), clock)
    unit_id = (await client.get(url.removesuffix("/lease"), headers=worker)).json()["unit_id"]
    await set_unit(uuid.UUID(unit_id), letting_banned_from=None, letting_ban_known=False)  # as an event older than issue 18 left it
    assert rules(await client.post(url, json=lease(T0), headers=worker)) == ["energy_facts_unknown"]  # overseas set: no proxy any more
    await set_unit(uuid.UUID(unit_id), letting_ban_known=True)  # listings sent it: no ban reaches the home
    assert (await client.post(url, json=lease(T0), headers=worker)).status_code == 200
