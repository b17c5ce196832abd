"""Retention: a unit no longer offered (draft, withdrawn) is deleted 3 years after its last change; a published,
reserved or let one stays (real database, the service on a clock the test moves; the test's units
are dated years back, so that its sweeps reach only units as old as its own)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager

from abri_listings.domain.retention import RetentionPolicy
from abri_listings.main import create_app
from abri_listings.retention import delete_lapsed
from abri_listings.settings import ListingsSettings
from tests.listings.shared_home_data import HOME, ROOM
from tests.listings.test_units_api import DRAFT, as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, execute_sql, kafka_bootstrap

pytestmark = pytest.mark.timeout(60)

START = datetime(2011, 4, 4, 9, 0, tzinfo=UTC)
"""Long before any other test's units."""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer, clock: Clock) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    settings = ListingsSettings(
        database_url=database_url("listings"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        retention_sweep_s=3600.0,
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://listings") as client:
            yield app, client


async def test_units_no_longer_offered_go_after_three_years_published_ones_stay(issuer: TestIssuer) -> None:
    clock = Clock()
    policy = RetentionPolicy()
    async with serve(issuer, clock) as (app, client):
        owner = as_(issuer, f"owner-ret-{uuid.uuid4().hex[:6]}")
        draft = (await client.post("/v1/units", json={**DRAFT, "available_from": START.date().isoformat()}, headers=owner)).json()
        withdrawn = (await client.post("/v1/units", json={**DRAFT, "available_from": START.date().isoformat()}, headers=owner)).json()
        assert (await client.post(f"/v1/units/{withdrawn['id']}/withdraw", headers={**owner, "if-match": '"1"'})).status_code == 200
        clock.now = START + timedelta(days=200)  # the draft is changed later: its period starts again
        changed = await client.put(f"/v1/units/{draft['id']}", json={**DRAFT, "rooms": 3}, headers={**owner, "if-match": '"1"'})
        assert changed.status_code == 200

        sessions = app.state.sessionmaker  # type: ignore[attr-defined]
        years = timedelta(days=365 * policy.unit_years)
        await delete_lapsed(sessions, START + years - timedelta(days=1), policy)
        assert (await client.get(f"/v1/units/{withdrawn['id']}", headers=owner)).status_code == 200  # a day early: kept

        await delete_lapsed(sessions, START + years + timedelta(days=1), policy)
        assert (await client.get(f"/v1/units/{withdrawn['id']}", headers=owner)).status_code == 404  # deleted
        assert (await client.get(f"/v1/units/{draft['id']}", headers=owner)).status_code == 200  # changed later: kept

        await delete_lapsed(sessions, START + timedelta(days=200) + years + timedelta(days=1), policy)
        assert (await client.get(f"/v1/units/{draft['id']}", headers=owner)).status_code == 404


async def test_a_let_unit_stays_while_its_lease_runs(issuer: TestIssuer) -> None:
    """Its lease may run for years unchanged; the period starts when its end puts the unit back to draft."""
    clock = Clock()
    async with serve(issuer, clock) as (app, client):
        owner = as_(issuer, f"owner-ret-{uuid.uuid4().hex[:6]}")
        let = (await client.post("/v1/units", json={**DRAFT, "available_from": START.date().isoformat()}, headers=owner)).json()
        await execute_sql("listings", "UPDATE units SET status = 'let' WHERE id = :id", id=let["id"])  # as its placement left it
        sessions = app.state.sessionmaker  # type: ignore[attr-defined]
        await delete_lapsed(sessions, START + timedelta(days=365 * 10), RetentionPolicy())
        assert (await client.get(f"/v1/units/{let['id']}", headers=owner)).json()["status"] == "let"


async def test_a_shared_home_goes_once_its_rooms_are_gone_and_its_own_period_is_over(issuer: TestIssuer) -> None:
    clock = Clock()
    policy = RetentionPolicy()
    async with serve(issuer, clock) as (app, client):
        owner = as_(issuer, f"owner-ret-{uuid.uuid4().hex[:6]}")
        home = (await client.post("/v1/shared-homes", json={**HOME, "dpe_date": "2011-01-01"}, headers=owner)).json()
        room = (
            await client.post(f"/v1/shared-homes/{home['id']}/rooms", json={**ROOM, "available_from": "2011-05-01"}, headers=owner)
        ).json()
        empty = (await client.post("/v1/shared-homes", json={**HOME, "dpe_date": "2011-01-01"}, headers=owner)).json()
        sessions = app.state.sessionmaker  # type: ignore[attr-defined]
        years = timedelta(days=365 * policy.unit_years)
        await delete_lapsed(sessions, START + years - timedelta(days=1), policy)
        assert (await client.get(f"/v1/shared-homes/{empty['id']}", headers=owner)).status_code == 200  # a day early: kept

        clock.now = START + timedelta(days=100)  # the room is changed later: its home waits for it
        edited = await client.put(
            f"/v1/shared-homes/{home['id']}/rooms/{room['id']}",
            json={**ROOM, "available_from": "2011-05-01", "rent_cents": 34_000, "deposit_cents": 34_000},
            headers={**owner, "if-match": f'"{room["version"]}"'},
        )
        assert edited.status_code == 200, edited.text
        await delete_lapsed(sessions, START + years + timedelta(days=1), policy)
        assert (await client.get(f"/v1/shared-homes/{empty['id']}", headers=owner)).status_code == 404  # no room, period over
        assert (await client.get(f"/v1/shared-homes/{home['id']}", headers=owner)).status_code == 200  # its room is still there

        await delete_lapsed(sessions, START + timedelta(days=100) + years + timedelta(days=1), policy)
        assert (await client.get(f"/v1/units/{room['id']}", headers=owner)).status_code == 404
        await delete_lapsed(sessions, START + timedelta(days=100) + years + timedelta(days=2), policy)
        assert (await client.get(f"/v1/shared-homes/{home['id']}", headers=owner)).status_code == 404  # then the home


def test_the_period_is_sourced_data_and_bounded() -> None:
    assert RetentionPolicy().unit_years == 3
    with pytest.raises(ValueError, match="unit_years"):
        RetentionPolicy(unit_years=0)
