"""Search of published units for social workers, against the service's real database.

The units of these tests are in Corse-du-Sud (2A), where no other test puts any; the fixture clears
that département first so that a rerun on the same database starts from the same rows.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_listings.api.schemas import SearchPage
from tests.listings.test_units_api import DRAFT, as_
from tests.listings.test_units_api import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

AJACCIO = (41.9192, 8.7386)
PLACES = {  # INSEE code: (commune, postal code, latitude, longitude)
    "2A004": ("Ajaccio", "20000", 41.9192, 8.7386),
    "2A032": ("Bastelicaccia", "20129", 41.9250, 8.8297),
    "2A247": ("Porto-Vecchio", "20137", 41.5911, 9.2794),
    "2A272": ("Sartène", "20100", 41.6217, 8.9747),
}


def seed(insee: str, rooms: int, area: float, rent: int, charges: int, available: str, **extra: Any) -> dict[str, Any]:
    return {"insee_code": insee, "rooms": rooms, "living_area_m2": area, "rent_cents": rent, "charges_cents": charges,
            "available_from": available, **extra}  # fmt: skip


SEED: list[dict[str, Any]] = [
    seed("2A004", 1, 20.0, 35_000, 3_000, "2027-01-01"),
    seed("2A004", 2, 38.0, 48_000, 5_000, "2027-01-01"),
    seed("2A004", 3, 60.0, 62_000, 8_000, "2027-03-01", accessibility=["step_free_access", "accessible_bathroom"], elevator=True),
    seed("2A004", 4, 82.0, 75_000, 9_000, "2027-01-01", schemes=["sliding_lease"]),
    seed("2A032", 2, 45.0, 45_000, 4_000, "2026-12-15", accessibility=["step_free_access"]),
    seed("2A032", 3, 58.0, 52_000, 6_000, "2027-06-01", schemes=["management_mandate", "intermediated_letting"]),
    seed("2A247", 2, 41.0, 50_000, 3_000, "2027-01-01"),
    seed(
        "2A247",
        5,
        110.0,
        95_000,
        12_000,
        "2027-02-01",
        accessibility=["step_free_access", "accessible_bathroom", "wide_doors"],
        schemes=["sliding_lease", "intermediated_letting"],
    ),
    seed("2A272", 1, 18.0, 33_000, 3_000, "2027-01-01"),
    seed("2A272", 2, 40.0, 48_000, 5_000, "2027-01-01"),
]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dp, dl = math.radians(lat1), math.radians(lat2), math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    return 2 * 6371.0088 * math.asin(math.sqrt(math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2))


def draft_of(seed: dict[str, Any]) -> dict[str, Any]:
    commune, postal_code, latitude, longitude = PLACES[seed["insee_code"]]
    place = {"commune": commune, "postal_code": postal_code, "latitude": latitude, "longitude": longitude, "departement": "2A"}
    return {**DRAFT, **place, "deposit_cents": seed["rent_cents"], **seed}


@pytest.fixture(scope="module")
async def seeded(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> list[dict[str, Any]]:
    """The published units of :data:`SEED`, plus a draft, a withdrawn unit and another owner's unit."""
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM units WHERE departement = '2A'"))
    finally:
        await engine.dispose()
    _, client = api
    owners = [as_(issuer, "owner-search-1"), as_(issuer, "owner-search-2")]
    published = []
    for index, seed in enumerate(SEED):
        owner = owners[index % 2]
        unit = (await client.post("/v1/units", json=draft_of(seed), headers=owner)).json()
        answer = await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'})
        assert answer.status_code == 200, answer.text
        published.append(answer.json())
    assert (await client.post("/v1/units", json=draft_of(SEED[0]), headers=owners[0])).status_code == 201  # a draft
    gone = (await client.post("/v1/units", json=draft_of(SEED[1]), headers=owners[0])).json()
    assert (await client.post(f"/v1/units/{gone['id']}/withdraw", headers={**owners[0], "if-match": '"1"'})).status_code == 200
    return published


def total(unit: dict[str, Any]) -> int:
    return int(unit["rent_cents"] + unit["charges_cents"])


async def search_all(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page of a search, following the cursors (bounded)."""
    items: list[dict[str, Any]] = []
    query = {"departement": "2A", **params}
    for _ in range(50):
        answer = await client.get("/v1/search/units", params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert answer.content == SearchPage.model_validate(page).model_dump_json().encode()  # as the documented model writes it
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        query = {**query, "cursor": page["next_cursor"]}
    raise AssertionError("more than 50 pages")


FILTERS: list[tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ({"commune": "2A004"}, lambda u: u["insee_code"] == "2A004"),
    ({"commune": ["2A032", "2A272"]}, lambda u: u["insee_code"] in {"2A032", "2A272"}),
    ({"max_total_cents": 53_000}, lambda u: total(u) <= 53_000),
    ({"min_rooms": 3}, lambda u: u["rooms"] >= 3),
    ({"min_area_m2": 45}, lambda u: u["living_area_m2"] >= 45),
    ({"accessibility": ["step_free_access", "accessible_bathroom"]}, lambda u: {"step_free_access", "accessible_bathroom"} <= {*u["accessibility"]}),  # noqa: E501
    ({"scheme": "sliding_lease"}, lambda u: "sliding_lease" in u["schemes"]),
    ({"scheme": ["sliding_lease", "management_mandate"]}, lambda u: bool({"sliding_lease", "management_mandate"} & set(u["schemes"]))),
    ({"available_by": "2027-01-01"}, lambda u: date.fromisoformat(u["available_from"]) <= date(2027, 1, 1)),
    ({"lat": AJACCIO[0], "lon": AJACCIO[1], "radius_km": 10}, lambda u: haversine_km(*AJACCIO, u["latitude"], u["longitude"]) <= 10),
    (
        {"lat": AJACCIO[0], "lon": AJACCIO[1], "radius_km": 60, "min_rooms": 2, "max_total_cents": 60_000, "available_by": "2027-01-31"},
        lambda u: haversine_km(*AJACCIO, u["latitude"], u["longitude"]) <= 60
        and u["rooms"] >= 2
        and total(u) <= 60_000
        and u["available_from"] <= "2027-01-31",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("params", "keeps"), FILTERS, ids=[str(sorted(p)) for p, _ in FILTERS])
async def test_each_filter_keeps_exactly_the_matching_published_units(
    api: tuple[FastAPI, httpx.AsyncClient],
    issuer: TestIssuer,
    seeded: list[dict[str, Any]],
    params: dict[str, Any],
    keeps: Callable[[dict[str, Any]], bool],
) -> None:
    _, client = api
    found = await search_all(client, as_(issuer, "sw-1", "social_worker", org_id="assoc-1"), **params, limit=4)
    expected = {u["id"] for u in seeded if keeps(u)}
    assert expected, "a filter that keeps nothing proves little"
    assert {u["id"] for u in found} == expected
    assert len(found) == len(expected)


SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "available_from": lambda u: (u["available_from"], u["id"]),
    "total_cost": lambda u: (total(u), u["id"]),
    "distance": lambda u: (haversine_km(*AJACCIO, u["latitude"], u["longitude"]), u["id"]),
}


@pytest.mark.parametrize("sort", [*SORTS, "newest"])
@pytest.mark.parametrize("limit", [1, 3, 100])
async def test_pages_follow_a_stable_order_without_repeats_or_gaps(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, seeded: list[dict[str, Any]], sort: str, limit: int
) -> None:
    _, client = api
    point = {"lat": AJACCIO[0], "lon": AJACCIO[1], "radius_km": 200}
    found = await search_all(client, as_(issuer, "ops-1", "ops"), sort=sort, limit=limit, **point)
    ids = [u["id"] for u in found]
    assert len(ids) == len(set(ids)) == len(seeded)
    if sort == "newest":
        assert ids == [u["id"] for u in sorted(seeded, key=lambda u: (u["published_at"], u["id"]), reverse=True)]
    else:
        assert ids == [u["id"] for u in sorted(seeded, key=SORTS[sort])]
    for unit in found:
        assert unit["distance_km"] == pytest.approx(haversine_km(*AJACCIO, unit["latitude"], unit["longitude"]), abs=0.01)


async def test_only_published_units_and_no_personal_data_are_shown(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, seeded: list[dict[str, Any]]
) -> None:
    _, client = api
    found = await search_all(client, as_(issuer, "sw-1", "social_worker", org_id="assoc-1"))
    assert {u["id"] for u in found} == {u["id"] for u in seeded}  # not the draft, not the withdrawn one
    assert all("street" not in u and "owner_id" not in u for u in found)
    sample = next(u for u in found if u["id"] == seeded[2]["id"])
    assert sample["total_cents"] == 70_000 and sample["commune"] == "Ajaccio" and sample["distance_km"] is None


async def test_only_social_workers_and_ops_search(api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer) -> None:
    _, client = api
    for role in ("owner", "household", "fund_agent"):
        answer = await client.get("/v1/search/units", headers=as_(issuer, f"{role}-1", role, org_id="assoc-1"))
        assert answer.status_code == 403 and answer.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/search/units")).status_code == 401


@pytest.mark.parametrize(
    ("params", "status", "mentions"),
    [
        ({"lat": 41.9}, 422, "go together"),
        ({"sort": "distance"}, 422, "needs lat"),
        ({"sort": "cheapest"}, 422, "sort"),
        ({"radius_km": 500, "lat": 41.9, "lon": 8.7}, 422, "radius_km"),
        ({"limit": 0}, 422, "limit"),
        ({"rooms_min": 2}, 422, "rooms_min"),
        ({"commune": "Ajaccio"}, 422, "commune"),
        ({"accessibility": "sauna"}, 422, "accessibility"),
        ({"cursor": "not-a-cursor"}, 400, "cursor"),
    ],
)
async def test_bad_searches_are_problems(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, params: dict[str, Any], status: int, mentions: str
) -> None:
    _, client = api
    answer = await client.get("/v1/search/units", params=params, headers=as_(issuer, "sw-1", "social_worker", org_id="assoc-1"))
    assert answer.status_code == status and answer.headers["content-type"] == "application/problem+json"
    assert mentions in answer.text


async def test_a_cursor_serves_only_the_search_that_made_it(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, seeded: list[dict[str, Any]]
) -> None:
    _, client = api
    worker = as_(issuer, "sw-1", "social_worker", org_id="assoc-1")
    first = (await client.get("/v1/search/units", params={"departement": "2A", "limit": 2}, headers=worker)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    narrower = {"departement": "2A", "min_rooms": 3, "cursor": first["next_cursor"]}
    other = await client.get("/v1/search/units", params=narrower, headers=worker)
    assert other.status_code == 400 and "another search" in other.json()["detail"]
    resized = await client.get("/v1/search/units", params={"departement": "2A", "limit": 5, "cursor": first["next_cursor"]}, headers=worker)
    assert resized.status_code == 200  # the page size may change between pages
    forged = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=" * (-len(first["next_cursor"]) % 4)))
    for key in ("not-a-date", 12, None, [1]):  # the right search, a position of the wrong kind: 400, never 500
        cursor = base64.urlsafe_b64encode(json.dumps({**forged, "k": key}).encode()).decode().rstrip("=")
        refused = await client.get("/v1/search/units", params={"departement": "2A", "limit": 2, "cursor": cursor}, headers=worker)
        assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json", refused.text
