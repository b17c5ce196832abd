"""A signed lease's end, recorded by the association through the API on a clock the test moves: its day and a
coded reason, not before the lease began nor a day still to come (422, nothing changes); once recorded, no
second end, renewal or review (409); its event carries the lease's first day, type and reason, the unit's
département and nothing about the household; the owner cannot record it and sees its day but not why (the
household's business), another association finds nothing."""

from __future__ import annotations

from datetime import date

import httpx
from fastapi import FastAPI

from tests.matching.test_households_api import as_
from tests.matching.test_lease_recording import direct_lease
from tests.matching.test_placements_api import events_of
from tests.matching.test_sliding_leases import Clock
from tests.matching.test_sliding_leases import served as served
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import count_rows, fetch_rows


def rules(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [error["rule"] for error in answer.json()["errors"]]


async def test_a_lease_end_is_recorded_once_with_its_day_and_reason_and_stops_the_lease(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    url, worker, _ = await direct_lease(app, client, issuer, clock)  # the lease began on 1 May 2027
    placement = url.rsplit("/", 1)[1]
    clock.on(date(2028, 2, 10))
    assert rules(await client.post(f"{url}/lease-end", json={"ended_on": "2027-04-30", "reason": "social_housing"}, headers=worker)) == [
        "lease_end_before_start"
    ]
    assert rules(await client.post(f"{url}/lease-end", json={"ended_on": "2028-02-11", "reason": "social_housing"}, headers=worker)) == [
        "lease_end_in_future"
    ]
    bad = await client.post(
        f"{url}/lease-end", json={"ended_on": "2028-02-10", "reason": "she found a flat near her mother"}, headers=worker
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(url, headers=worker)).json()["lease_ended_on"] is None  # nothing changed

    stranger = as_(issuer, "sw-other", org_id="assoc-other")
    assert (await client.post(f"{url}/lease-end", json={"ended_on": "2028-02-10", "reason": "other"}, headers=stranger)).status_code == 404

    ended = await client.post(f"{url}/lease-end", json={"ended_on": "2028-02-10", "reason": "social_housing"}, headers=worker)
    assert ended.status_code == 200, ended.text
    seen = ended.json()
    assert (seen["status"], seen["lease_ended_on"], seen["lease_end_reason"]) == ("lease_signed", "2028-02-10", "social_housing")
    assert (seen["timeline"][-1]["step"], seen["timeline"][-1]["reason"]) == ("end_lease", "social_housing")

    [(owner_id,)] = await fetch_rows("matching", "SELECT owner_id FROM placements WHERE id = CAST(:p AS uuid)", p=placement)
    owner = as_(issuer, owner_id, "owner", org_id=None)
    refused = await client.post(f"{url}/lease-end", json={"ended_on": "2028-02-10", "reason": "owner_notice"}, headers=owner)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json"), refused.text
    as_owner = (await client.get(url, headers=owner)).json()
    assert (as_owner["lease_ended_on"], as_owner["lease_end_reason"]) == ("2028-02-10", None)
    assert (as_owner["timeline"][-1]["step"], as_owner["timeline"][-1]["reason"]) == ("end_lease", None)
    listed = (await client.get("/v1/placements", headers=owner)).json()["items"]
    assert [(p["lease_ended_on"], p["lease_end_reason"]) for p in listed if p["id"] == placement] == [("2028-02-10", None)]
    assert "social_housing" not in str(listed), "no reason anywhere in the owner's list"

    again = await client.post(f"{url}/lease-end", json={"ended_on": "2028-02-10", "reason": "other"}, headers=worker)
    assert again.status_code == 409 and again.json()["title"] == "Lease ended"
    clock.on(date(2028, 5, 2))
    renewal = await client.post(f"{url}/renewals", json={"renews_on": "2028-05-01", "kind": "tacit"}, headers=worker)
    assert renewal.status_code == 409 and renewal.json()["title"] == "Lease ended"

    assert await events_of(placement) == ["proposed", "accepted", "guarantee_requested", "lease_signed", "lease_ended"]
    data = await count_rows(
        "matching",
        "SELECT count(*) FROM event_outbox WHERE message_key = :p AND event_type = 'abri.matching.placement.lease_ended.v1'"
        " AND data->>'lease_starts_on' = '2027-05-01' AND data->>'reason' = 'social_housing' AND data->>'lease_type' = 'direct'"
        " AND data->>'slid' = 'false' AND data->>'ended_on' = '2028-02-10'"
        " AND data->>'departement' = (SELECT departement FROM placements WHERE id = CAST(:p AS uuid))",
        p=placement,
    )
    assert data == 1  # the département of the unit's commune, as the placement recorded it
