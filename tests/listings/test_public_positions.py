"""The stored public position (what the search reads): written with the unit, snapped again by the positions
sweeper when a row was written without it or at another grid, and snapped by the migration that added it
exactly as the service snaps (real database). The bounding box that prefilters a radius search holds the
whole circle."""

from __future__ import annotations

import asyncio
import importlib
import math
import random
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from abri_kit.communes import EARTH_RADIUS_KM, distance_km
from abri_kit.migrations import upgrade
from abri_listings.api.search import MAX_RADIUS_KM, MIN_RADIUS_KM
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.position import public_position
from abri_listings.public_positions import snap_positions
from abri_listings.search.query import Near, bounding_box
from tests.listings.test_minimisation import EXACT, MENDE
from tests.listings.test_unit_events import client as client
from tests.listings.test_units_api import DRAFT, as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_migration_round_trip import fresh_database as fresh_database
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

GRID = ListingsPolicy().position_grid_deg
MIGRATIONS = Path(importlib.import_module("abri_listings.migrate").__file__ or "").parent / "migrations"


@pytest.mark.unit
def test_the_bounding_box_holds_every_point_of_the_circle() -> None:
    rng = random.Random(2026)
    for n in range(4000):
        latitude0 = rng.uniform(-90, 90) if n % 4 else rng.choice((-1, 1)) * rng.uniform(88, 90)  # poles too
        longitude0 = rng.uniform(-180, 180) if n % 3 else rng.choice((-1, 1)) * rng.uniform(179, 180)  # and the 180th meridian
        near = Near(latitude0, longitude0, rng.choice((MIN_RADIUS_KM, 1.0, 15.0, 100.0, MAX_RADIUS_KM)))
        box = bounding_box(near)
        bearing = rng.uniform(0, 2 * math.pi)  # a point on the circle itself, the farthest a unit found may be
        angle = near.radius_km / EARTH_RADIUS_KM
        lat0, lon0 = math.radians(near.latitude), math.radians(near.longitude)
        lat = math.asin(math.sin(lat0) * math.cos(angle) + math.cos(lat0) * math.sin(angle) * math.cos(bearing))
        lon = lon0 + math.atan2(math.sin(bearing) * math.sin(angle) * math.cos(lat0), math.cos(angle) - math.sin(lat0) * math.sin(lat))
        latitude, longitude = math.degrees(lat), (math.degrees(lon) + 180) % 360 - 180
        assert distance_km(near.latitude, near.longitude, latitude, longitude) == pytest.approx(near.radius_km, rel=1e-6)
        assert box["lat_min"] <= latitude <= box["lat_max"], (near, latitude)
        assert box["lon_min"] <= longitude <= box["lon_max"], (near, longitude)
    tight = bounding_box(Near(45.0, 5.0, 15.0))
    assert tight["lat_max"] - 45.0 == pytest.approx(15.0 / 111.195, rel=1e-3)  # no wider than the circle needs


async def stored(unit_id: str) -> tuple[float | None, float | None, float | None]:
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.text("SELECT public_latitude, public_longitude, position_grid_deg FROM units WHERE id = :id"), {"id": unit_id}
                )
            ).one()
            return row[0], row[1], row[2]
    finally:
        await engine.dispose()


async def test_a_unit_is_stored_with_its_public_position_and_the_sweeper_snaps_rows_written_without_it(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    owner = as_(issuer, f"owner-pos-{uuid.uuid4().hex[:6]}")
    worker = as_(issuer, f"sw-pos-{uuid.uuid4().hex[:6]}", "social_worker", org_id="assoc-pos")
    created = await client.post("/v1/units", json={**DRAFT, **MENDE, **EXACT}, headers=owner)
    assert created.status_code == 201, created.text
    unit_id = created.json()["id"]
    assert await stored(unit_id) == (*public_position(EXACT["latitude"], EXACT["longitude"], GRID), GRID)
    published = await client.post(f"/v1/units/{unit_id}/publish", headers={**owner, "if-match": '"1"'})
    assert published.status_code == 200, published.text

    moved = {**DRAFT, **MENDE, "latitude": 44.5191, "longitude": 3.4987}
    edited = await client.put(f"/v1/units/{unit_id}", json=moved, headers={**owner, "if-match": '"2"'})
    assert edited.status_code == 200, edited.text
    assert await stored(unit_id) == (*public_position(44.5191, 3.4987, GRID), GRID)

    async def found() -> list[dict[str, object]]:
        answer = await client.get("/v1/search/units", params={"commune": "48095", "sort": "newest", "limit": 100}, headers=worker)
        assert answer.status_code == 200, answer.text
        return [hit for hit in answer.json()["items"] if hit["id"] == unit_id]

    assert [(hit["latitude"], hit["longitude"]) for hit in await found()] == [public_position(44.5191, 3.4987, GRID)]

    engine = create_async_engine(database_url("listings"))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with engine.begin() as conn:  # as a version before the column writes it
            await conn.execute(
                sa.text("UPDATE units SET public_latitude = NULL, public_longitude = NULL, position_grid_deg = NULL WHERE id = :id"),
                {"id": unit_id},
            )
        assert await found() == []  # no public position yet: left out of searches, never shown without one
        now = datetime.now(UTC)
        assert await snap_positions(sessions, now, GRID) >= 1
        assert await stored(unit_id) == (*public_position(44.5191, 3.4987, GRID), GRID)
        assert [(hit["latitude"], hit["longitude"]) for hit in await found()] == [public_position(44.5191, 3.4987, GRID)]
        version = (await client.get(f"/v1/units/{unit_id}", headers=owner)).json()["version"]
        assert version == 3  # nothing its owner sees changed: no new version

        coarse = public_position(44.5191, 3.4987, 0.01)
        async with engine.begin() as conn:  # snapped to the coarser grid a deployment used before
            await conn.execute(
                sa.text("UPDATE units SET public_latitude = :lat, public_longitude = :lon, position_grid_deg = 0.01 WHERE id = :id"),
                {"id": unit_id, "lat": coarse[0], "lon": coarse[1]},
            )
        assert await found() == []  # on another grid, perhaps finer: never shown
        assert await snap_positions(sessions, now, GRID) >= 1
        assert await stored(unit_id) == (*public_position(44.5191, 3.4987, GRID), GRID)

        async with engine.begin() as conn:  # a version before the columns moves the unit: the trigger snaps it again
            await conn.execute(sa.text("UPDATE units SET latitude = 44.5223, longitude = 3.4951 WHERE id = :id"), {"id": unit_id})
        assert await stored(unit_id) == (*public_position(44.5223, 3.4951, GRID), GRID)
    finally:
        await engine.dispose()


def test_the_migration_snaps_existing_rows_as_the_service_does(fresh_database: str) -> None:
    positions = [(44.517371, 3.501129), (48.85661, 2.351499), (43.610999, -1.5536), (-21.115141, 55.536384), (45.0010, 180.0015)]
    upgrade(MIGRATIONS, fresh_database, "0009")

    async def seed_and_read() -> list[tuple[float, float]]:
        engine = create_async_engine(fresh_database)
        try:
            async with engine.begin() as conn:
                for n, (latitude, longitude) in enumerate(positions):
                    await conn.execute(
                        sa.text(
                            "INSERT INTO units (id, owner_id, status, version, street, postal_code, commune, insee_code, departement,"
                            " latitude, longitude, kind, rooms, living_area_m2, ceiling_height_m, floor, elevator, accessibility,"
                            " furnished, rent_cents, charges_cents, deposit_cents, energy_class, primary_energy_kwh, emissions_kg,"
                            " dpe_date, schemes, available_from, description) VALUES (:id, 'o', 'published', 1, 's', '48000', 'Mende',"
                            " '48095', '48', :lat, :lon, 'apartment', 2, 40, 2.5, 1, false, '{}', false, 50000, 5000, 50000, 'C', 150,"
                            " 10, '2025-01-01', '{intermediated_letting}', '2026-01-01', '{}')"
                        ),
                        {"id": uuid.UUID(int=n + 1), "lat": latitude, "lon": longitude},
                    )
            await asyncio.to_thread(upgrade, MIGRATIONS, fresh_database)
            async with engine.connect() as conn:
                rows = await conn.execute(sa.text("SELECT public_latitude, public_longitude, position_grid_deg FROM units ORDER BY id"))
                found = []
                for public_latitude, public_longitude, grid in rows:
                    assert grid == GRID
                    found.append((public_latitude, public_longitude))
                return found
        finally:
            await engine.dispose()

    assert asyncio.run(seed_and_read()) == [public_position(latitude, longitude, GRID) for latitude, longitude in positions]
