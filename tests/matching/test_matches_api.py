"""Explained matches against the matching service's real database: the best units for a household, the
best of an association's households for a unit, the association's own threshold, and tenant scoping."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from abri_kit.legal import Texts
from abri_matching.db.units import UnitView
from tests.matching.test_households_api import api as api
from tests.matching.test_households_api import as_, household, register, unique
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

SOON = (date.today() + timedelta(days=30)).isoformat()


def unit_row(**changes: Any) -> dict[str, Any]:
    return {
        "unit_id": uuid.uuid4(),
        "version": 2,
        "status": "published",
        "owner_id": "owner-m",
        "postal_code": "34000",
        "insee_code": "34172",
        "commune": "Montpellier",
        "departement": "34",
        "latitude": 43.611,
        "longitude": 3.877,
        "kind": "apartment",
        "rooms": 3,
        "living_area_m2": 60.0,
        "floor": 0,
        "elevator": False,
        "accessibility": ["step_free_access"],
        "furnished": False,
        "rent_cents": 50_000,
        "charges_cents": 5_000,
        "energy_class": "D",
        "schemes": ["intermediated_letting"],
        "available_from": date.fromisoformat(SOON),
        "published_at": datetime.now(UTC),
        "main_energy": None,
        "energy_cost_cents": None,
        **changes,
    }


async def insert_units(conn: AsyncConnection, *rows: dict[str, Any]) -> None:
    """Rows of the read model, as listings' events would leave them."""
    await conn.execute(sa.insert(UnitView), list(rows))


@pytest.fixture(scope="module")
async def units() -> AsyncIterator[dict[str, dict[str, Any]]]:
    """Rows of the read model (as listings' events would leave them), in a place no other test uses."""
    place = {"insee_code": "34057", "commune": "Castelnau-le-Lez", "latitude": 43.633, "longitude": 3.899}
    rows = {
        "good": unit_row(**place, main_energy="electricity", energy_cost_cents=12_000),  # listings' estimate from its DPE
        "near_but_small": unit_row(**place, living_area_m2=20.0, rooms=1),
        "far": unit_row(insee_code="30189", commune="Nîmes", latitude=43.837, longitude=4.360),
        "expensive": unit_row(**place, rent_cents=120_000),
        "withdrawn": unit_row(**place, status="withdrawn"),
        "upstairs": unit_row(**place, floor=3, accessibility=[], rooms=4, living_area_m2=75.0),
    }
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM unit_view WHERE insee_code IN ('34057', '30189')"))
            # what earlier runs on this database left: these tests' associations start afresh
            await conn.execute(
                sa.text("UPDATE households SET status = 'archived' WHERE org_id IN ('assoc-cand', 'assoc-other', 'assoc-threshold')")
            )
            await conn.execute(sa.text("DELETE FROM association_settings WHERE org_id = 'assoc-threshold'"))
            await insert_units(conn, *rows.values())
        yield rows
    finally:
        await engine.dispose()


def castelnau_household(reference: str, **changes: Any) -> dict[str, Any]:
    needs = {"step_free_access": True, "ground_floor": False, "min_bedrooms": 1}
    return {**household(reference), "wanted": {"communes": ["34057"]}, "needs": needs, **changes}


async def test_best_units_for_a_household_are_explained_and_exclude_what_fails_a_rule(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, units: dict[str, dict[str, Any]]
) -> None:
    _, client = api
    worker = as_(issuer, "sw-1")
    created = await client.post("/v1/households", json=castelnau_household(unique("M")), headers=worker)
    matches = (await client.get(f"/v1/households/{created.json()['id']}/matches", headers=worker)).json()
    ids = [m["unit"]["unit_id"] for m in matches]
    assert ids == [str(units["good"]["unit_id"])]  # small: overcrowding; far: place; expensive: rent burden; upstairs: step-free
    best = matches[0]
    assert {r["rule"] for r in best["rules"]} == {
        "overcrowding",
        "accessibility",
        "bedrooms",
        "rent_burden",
        "wanted_place",
        "availability",
        "scheme",
        "room_capacity",
        "house_rules",
        "cohabitation_age",
    }
    assert all(r["passed"] and r["reason"] for r in best["rules"])
    burden = {r["rule"]: r for r in best["rules"]}["rent_burden"]["params"]
    assert burden["energy_cents"] == 12_000 and burden["burden_with_energy"] > burden["burden"]  # the energy bill beside the rent
    links = {r["rule"]: r["source_url"] for r in best["rules"]}
    assert links["rent_burden"] == Texts.ARRETE_2011_03_10 and links["bedrooms"] is None  # a law's text; the household's needs: none
    weights = {c["name"]: c["weight"] for c in best["components"]}
    assert set(weights) == {"priority", "waiting_time", "size_fit", "distance", "energy_cost"}
    assert best["score"] == pytest.approx(sum(c["value"] * c["weight"] for c in best["components"]), abs=1e-5)

    no_step_needed = {"step_free_access": False, "ground_floor": False, "min_bedrooms": 1}
    roomy = await client.post("/v1/households", json=castelnau_household(unique("M"), needs=no_step_needed), headers=worker)
    both = [m["unit"]["unit_id"] for m in (await client.get(f"/v1/households/{roomy.json()['id']}/matches", headers=worker)).json()]
    assert set(both) == {str(units["good"]["unit_id"]), str(units["upstairs"]["unit_id"])}
    assert both[0] == str(units["good"]["unit_id"])  # two bedrooms for one needed fits better than three


async def test_best_households_for_a_unit_are_mine_only_and_ranked_by_named_components(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, units: dict[str, dict[str, Any]]
) -> None:
    _, client = api
    worker, stranger = as_(issuer, "sw-1", org_id="assoc-cand"), as_(issuer, "sw-9", org_id="assoc-other")
    urgent = await register(client, worker, unique("U"), **{k: v for k, v in castelnau_household("x").items() if k in {"wanted", "needs"}})
    waiting = await register(
        client,
        worker,
        unique("W"),
        priority_situations=[],
        **{k: v for k, v in castelnau_household("x").items() if k in {"wanted", "needs"}},
    )
    elsewhere = await register(
        client, stranger, unique("S"), **{k: v for k, v in castelnau_household("x").items() if k in {"wanted", "needs"}}
    )
    url = f"/v1/units/{units['good']['unit_id']}/candidates"
    mine = (await client.get(url, headers=worker)).json()
    assert [c["household"]["household_id"] for c in mine] == [urgent["id"], waiting["id"]]  # DALO first, all else equal
    assert "identity" not in mine[0]["household"] and set(mine[0]["household"]) == {"household_id", "reference"}
    theirs = (await client.get(url, headers=stranger)).json()
    assert [c["household"]["household_id"] for c in theirs] == [elsewhere["id"]]
    assert (await client.get(f"/v1/units/{units['withdrawn']['unit_id']}/candidates", headers=worker)).status_code == 404
    assert (await client.get(f"/v1/units/{uuid.uuid4()}/candidates", headers=worker)).status_code == 404


async def test_an_association_sets_its_own_rent_burden_threshold(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, units: dict[str, dict[str, Any]]
) -> None:
    _, client = api
    worker = as_(issuer, "sw-t", org_id="assoc-threshold")
    defaults = (await client.get("/v1/association/settings", headers=worker)).json()
    assert defaults["default"] and defaults["rent_burden_threshold"] == 0.33
    created = await register(client, worker, unique("T"), **{k: v for k, v in castelnau_household("x").items() if k in {"wanted", "needs"}})
    url = f"/v1/households/{created['id']}/matches"
    assert len((await client.get(url, headers=worker)).json()) == 1  # (550 − 350) / 1400 = 14 %
    strict = await client.put(
        "/v1/association/settings", json={"rent_burden_threshold": 0.10, "schemes": ["intermediated_letting"]}, headers=worker
    )
    assert strict.status_code == 200 and not strict.json()["default"]
    assert (await client.get(url, headers=worker)).json() == []
    narrow = await client.put("/v1/association/settings", json={"rent_burden_threshold": 0.5, "schemes": ["sliding_lease"]}, headers=worker)
    assert narrow.status_code == 200 and (await client.get(url, headers=worker)).json() == []  # no scheme in common
    bad = await client.put("/v1/association/settings", json={"rent_burden_threshold": 3, "schemes": []}, headers=worker)
    assert bad.status_code == 422
    assert (await client.get("/v1/association/settings", headers=as_(issuer, "o", "owner", org_id=None))).status_code == 403


def room_row(area: float = 12.0, **home_changes: Any) -> dict[str, Any]:
    """A room of a shared home, as listings' events leave it in the read model."""
    place = {"insee_code": "34270", "commune": "Saint-Jean-de-Védas", "latitude": 43.577, "longitude": 3.826}
    home = {
        "home_id": str(uuid.uuid4()), "lease_form": "individual", "kind": "apartment", "rooms": 4, "living_area_m2": 70.0,
        "occupants_max": 1, "spaces": [], "smoke_free": True,
        "quiet_hours": {"start": "22:00", "until": "07:00"},
    }  # fmt: skip
    return unit_row(**place, kind="room", rooms=1, living_area_m2=area, rent_cents=35_000, shared_home={**home, **home_changes})


async def test_rooms_of_shared_homes_take_the_households_size_and_its_stated_house_rules_only(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    _, client = api
    rooms = {
        "quiet_smoke_free": room_row(),
        "smoking": room_row(smoke_free=False),
        "no_quiet_hours": room_row(quiet_hours=None),
        "for_two": room_row(16.0, occupants_max=2),
    }
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DELETE FROM unit_view WHERE insee_code = '34270'"))
            await insert_units(conn, *rooms.values())
    finally:
        await engine.dispose()
    worker = as_(issuer, "sw-1")
    needs = {"step_free_access": True, "ground_floor": False, "min_bedrooms": 1, "smoke_free": True, "quiet_hours": True}
    single = {**household(unique("R")), "adults": 1, "children": 0, "wanted": {"communes": ["34270"]}, "needs": needs}
    bound = await client.post("/v1/households", json=single, headers=worker)
    assert bound.status_code == 201, bound.text
    assert bound.json()["needs"]["smoke_free"] is True and bound.json()["needs"]["quiet_hours"] is True
    matches = (await client.get(f"/v1/households/{bound.json()['id']}/matches", headers=worker)).json()
    assert {m["unit"]["unit_id"] for m in matches} == {str(rooms["quiet_smoke_free"]["unit_id"]), str(rooms["for_two"]["unit_id"])}
    rules = {r["rule"]: r for r in matches[0]["rules"]}
    assert rules["room_capacity"]["passed"] and rules["bedrooms"]["params"]["bedrooms"] == 1  # a room is a bedroom

    unstated = {**needs, "smoke_free": False, "quiet_hours": False}
    couple = await client.post("/v1/households", json={**single, "reference": unique("R"), "adults": 2, "needs": unstated}, headers=worker)
    matches = (await client.get(f"/v1/households/{couple.json()['id']}/matches", headers=worker)).json()
    assert {m["unit"]["unit_id"] for m in matches} == {str(rooms["for_two"]["unit_id"])}  # the rooms for one do not take two

    free = await client.post("/v1/households", json={**single, "reference": unique("R"), "needs": unstated}, headers=worker)
    smoking = (await client.get(f"/v1/units/{rooms['smoking']['unit_id']}/candidates", headers=worker)).json()
    ids = {c["household"]["household_id"] for c in smoking}
    assert free.json()["id"] in ids  # stated no house rule: any room for one
    assert bound.json()["id"] not in ids and couple.json()["id"] not in ids  # a smoke-free home stated; two people
