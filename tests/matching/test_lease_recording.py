"""When a lease is recorded, through the API on a clock the test moves: a signature dated before a ban that
has begun by the recording day is accepted within the policy's grace and kept in the placement's timeline;
dated further back than the grace, refused (422 ``lease_signed_too_long_ago``) and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from tests.matching.test_home_day import BAN, accepted, lease, paris
from tests.matching.test_placements_api import events_of
from tests.matching.test_sliding_leases import T0, Clock, rules
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
