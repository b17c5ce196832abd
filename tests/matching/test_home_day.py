"""An overseas home is judged on its own day (``unit_view.home_day``): La Réunion (974, UTC+4) is two hours
ahead of Paris in summer, Martinique (972, UTC-4) six hours behind. On a clock the test moves around
midnight where the home stands, a proposal meets the unit's energy ban and a lease the acceptance, the
ban and "signed in the future" on that day, not on the day in Paris; a home in mainland France at the same
instant is judged on the day in Paris."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from abri_kit.calendar import FRANCE
from tests.matching.test_households_api import as_
from tests.matching.test_sliding_leases import T0, Clock, a_unit, proposed, rules
from tests.matching.test_sliding_leases import served as served
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

SAINT_DENIS = {
    "insee_code": "97411",
    "commune": "Saint-Denis",
    "departement": "974",
    "postal_code": "97400",
    "latitude": -20.882,
    "longitude": 55.450,
}
FORT_DE_FRANCE = {
    "insee_code": "97209",
    "commune": "Fort-de-France",
    "departement": "972",
    "postal_code": "97200",
    "latitude": 14.607,
    "longitude": -61.073,
}
BAN = T0 + timedelta(days=20)
"""The first day of the units' letting ban (a day of summer time in Paris, UTC+2)."""
HEAD_LEASE = (T0 + timedelta(days=3 * 365)).isoformat()


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), FRANCE)


def lease(signed_on: date) -> dict[str, Any]:
    day = signed_on.isoformat()
    return {"signed_on": day, "starts_on": day, "lease_type": "sliding", "head_lease_ends_on": HEAD_LEASE}


async def test_a_proposal_meets_the_ban_on_the_day_where_the_home_stands(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = served
    worker = as_(issuer, "sw-day", org_id="assoc-day")
    facts = {"available_from": T0, "letting_banned_from": BAN}

    clock.now = paris(BAN - timedelta(days=1), 22, 30)  # 00:30 on the ban's first day in Saint-Denis
    reunion = await proposed(client, worker, await a_unit(**SAINT_DENIS, **facts), "sliding_lease")
    assert rules(reunion) == ["energy_letting_ban"] and reunion.json()["errors"][0]["params"]["available_from"] == BAN.isoformat()
    assert (await proposed(client, worker, await a_unit(**facts), "sliding_lease")).status_code == 201  # Pamiers: still the eve

    clock.now = paris(BAN, 1, 30)  # 19:30 on the eve in Fort-de-France
    assert (await proposed(client, worker, await a_unit(**FORT_DE_FRANCE, **facts), "sliding_lease")).status_code == 201
    assert rules(await proposed(client, worker, await a_unit(**facts), "sliding_lease")) == ["energy_letting_ban"]  # Pamiers: the first day


async def accepted(
    client: httpx.AsyncClient, issuer: TestIssuer, place: dict[str, Any], at: datetime, clock: Clock
) -> tuple[str, dict[str, str]]:
    """A unit of ``place`` banned from :data:`BAN`, proposed an hour before its owner accepts it at ``at``."""
    clock.now = at - timedelta(hours=1)
    unit = await a_unit(**place, available_from=T0, letting_banned_from=BAN)
    worker, owner = as_(issuer, "sw-day", org_id="assoc-day"), as_(issuer, unit["owner_id"], "owner", org_id=None)
    answer = await proposed(client, worker, unit, "sliding_lease")
    assert answer.status_code == 201, answer.text
    clock.now = at
    assert (await client.post(f"/v1/placements/{answer.json()['id']}/accept", json={}, headers=owner)).status_code == 200
    return f"/v1/placements/{answer.json()['id']}/lease", worker


async def test_a_lease_in_la_reunion_is_judged_on_its_day_two_hours_ahead_of_paris(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = served
    eve = BAN - timedelta(days=1)
    url, worker = await accepted(client, issuer, SAINT_DENIS, paris(eve - timedelta(days=1), 22, 30), clock)  # 00:30 on the eve there
    clock.now = paris(eve, 22, 30)  # 00:30 on the ban's first day in Saint-Denis, the eve in Paris
    before = eve - timedelta(days=1)
    assert rules(await client.post(url, json=lease(before), headers=worker)) == ["signed_before_acceptance"]  # accepted on the eve there
    assert rules(await client.post(url, json=lease(BAN), headers=worker)) == ["energy_letting_ban"]  # today there, not in the future
    signed = await client.post(url, json=lease(eve), headers=worker)
    assert signed.status_code == 200 and signed.json()["status"] == "lease_signed", signed.text

    url, worker = await accepted(client, issuer, {}, paris(before, 12), clock)  # the same instant in Pamiers: the eve of the ban
    clock.now = paris(eve, 22, 30)
    assert rules(await client.post(url, json=lease(BAN), headers=worker)) == ["signed_in_the_future", "energy_letting_ban"]


async def test_a_lease_in_martinique_is_judged_on_its_day_six_hours_behind_paris(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, clock = served
    eve = BAN - timedelta(days=1)
    url, worker = await accepted(client, issuer, FORT_DE_FRANCE, paris(eve, 12), clock)
    clock.now = paris(BAN, 1, 30)  # 19:30 on the eve in Fort-de-France, the ban's first day in Paris
    assert rules(await client.post(url, json=lease(BAN), headers=worker)) == ["signed_in_the_future", "energy_letting_ban"]
    signed = await client.post(url, json=lease(eve), headers=worker)  # signed and handed over on the eve there
    assert signed.status_code == 200, signed.text
