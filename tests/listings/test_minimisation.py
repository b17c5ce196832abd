"""Minimisation of a unit's position: events and searches carry it snapped to about 200 m; its owner, and
the association of the placement the owner accepted, read it exactly (real Kafka, real database)."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from abri_contracts.matching import PlacementAccepted
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.position import public_position, snap
from tests.listings.test_unit_events import Topic, status_becomes
from tests.listings.test_unit_events import client as client
from tests.listings.test_unit_events import topic as topic
from tests.listings.test_units_api import DRAFT, as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import send_events

EXACT = {"latitude": 44.517371, "longitude": 3.501129}  # Mende: off the grid on both axes
MENDE = {"insee_code": "48095", "postal_code": "48000", "departement": "48"}
GRID = ListingsPolicy().position_grid_deg


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[0] - b[0]) * 111_195
    dlon = (a[1] - b[1]) * 111_195 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


@pytest.mark.unit
@pytest.mark.parametrize("latitude", [-89.9, -45.0011, 0.0, 0.001, 0.0009, 43.610999, 48.85661, 89.9])
@pytest.mark.parametrize("longitude", [-179.9999, -1.5536, 0.0, 3.87649, 179.9999])
def test_a_snapped_position_is_on_the_grid_within_half_a_cell(latitude: float, longitude: float) -> None:
    lat, lon = public_position(latitude, longitude, GRID)
    assert abs(lat - latitude) <= GRID / 2 + 1e-9 and (abs(lon - longitude) <= GRID / 2 + 1e-9 or abs(abs(lon - longitude) - 360) <= GRID)
    assert -180 <= lon <= 180
    assert round(lat / GRID) * GRID == pytest.approx(lat, abs=1e-9)
    assert public_position(lat, lon, GRID) == (lat, lon)  # snapping twice changes nothing: no averaging towards the point


@pytest.mark.unit
def test_the_grid_hides_the_building_not_the_neighbourhood() -> None:
    snapped = public_position(EXACT["latitude"], EXACT["longitude"], GRID)
    assert 20 < metres(snapped, (EXACT["latitude"], EXACT["longitude"])) < 160
    assert snap(44.517371, 0) == 44.517371  # a zero grid would publish the exact value: the policy refuses it
    for grid in (0.0, -0.002, 2.0):
        with pytest.raises(ValueError, match="position grid"):
            ListingsPolicy(position_grid_deg=grid)


async def test_events_and_search_carry_the_snapped_position_the_owner_and_the_accepted_association_the_exact_one(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, f"owner-min-{uuid.uuid4().hex[:6]}")
    org, other_org = f"assoc-min-{uuid.uuid4().hex[:6]}", f"assoc-other-{uuid.uuid4().hex[:6]}"
    worker = as_(issuer, f"sw-{uuid.uuid4().hex[:6]}", "social_worker", org_id=org)
    stranger = as_(issuer, f"sw-{uuid.uuid4().hex[:6]}", "social_worker", org_id=other_org)
    created = await client.post("/v1/units", json={**DRAFT, **MENDE, **EXACT}, headers=owner)
    assert created.status_code == 201, created.text
    published = await client.post(f"/v1/units/{created.json()['id']}/publish", headers={**owner, "if-match": '"1"'})
    unit = published.json()
    snapped = public_position(EXACT["latitude"], EXACT["longitude"], GRID)
    assert (unit["latitude"], unit["longitude"]) == (EXACT["latitude"], EXACT["longitude"])  # the owner's own view: exact

    (event,) = await topic.events_of(unit["id"], 1)
    assert (event.data["latitude"], event.data["longitude"]) == snapped

    found = await client.get(
        "/v1/search/units", params={"lat": EXACT["latitude"], "lon": EXACT["longitude"], "radius_km": 0.5, "limit": 100}, headers=worker
    )
    assert found.status_code == 200
    hits = [hit for hit in found.json()["items"] if hit["id"] == unit["id"]]
    assert hits, "a unit whose snapped position is within the radius is found"
    assert (hits[0]["latitude"], hits[0]["longitude"]) == snapped
    assert hits[0]["distance_km"] == pytest.approx(metres(snapped, (EXACT["latitude"], EXACT["longitude"])) / 1000, abs=0.005)
    assert "street" not in hits[0]

    location = f"/v1/units/{unit['id']}/location"
    mine = await client.get(location, headers=owner)
    assert mine.status_code == 200 and (mine.json()["latitude"], mine.json()["street"]) == (EXACT["latitude"], DRAFT["street"])
    assert (await client.get(location, headers=worker)).status_code == 404  # not before the owner accepts

    await send_events(
        PlacementAccepted(placement_id=uuid.uuid4(), unit_id=uuid.UUID(unit["id"]), org_id=org, accepted_at=datetime.now(UTC))
    )
    await status_becomes(client, owner, unit["id"], "reserved")
    reserved = await topic.events_of(unit["id"], 2)
    assert (reserved[1].data["latitude"], reserved[1].data["longitude"]) == snapped
    carried = await client.get(location, headers=worker)
    assert carried.status_code == 200
    assert (carried.json()["latitude"], carried.json()["longitude"], carried.json()["street"]) == (
        EXACT["latitude"],
        EXACT["longitude"],
        DRAFT["street"],
    )
    assert (await client.get(location, headers=stranger)).status_code == 404  # another association
    assert (await client.get(location, headers=as_(issuer, "owner-someone-else"))).status_code == 404
