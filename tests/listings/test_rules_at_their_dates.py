"""Rules at the date that matters, through the listings API on its real database: the commune decides
where a home is (its département, its ban calendar, its postal codes), a ban is judged on the day the home
can be let, and the daily sweep, on a clock the test moves, warns the owner ahead of a ban and returns the
unit to draft on its first day."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_listings.deadlines import check_all
from abri_listings.main import create_app
from abri_listings.settings import ListingsSettings
from tests.listings.test_retention import Clock
from tests.listings.test_units_api import DRAFT, as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, execute_sql, kafka_bootstrap

pytestmark = pytest.mark.timeout(120)

CLASS_F = {**DRAFT, "energy_class": "F", "primary_energy_kwh": 400.0, "emissions_kg": 60.0}
CLASS_G = {**DRAFT, "energy_class": "G", "primary_energy_kwh": 450.0, "emissions_kg": 60.0, "final_energy_kwh": None}
SAINT_DENIS_REUNION = {"insee_code": "97411", "postal_code": "97400", "departement": "974", "latitude": -20.88, "longitude": 55.45}


def at(moment: datetime) -> Clock:
    clock = Clock()
    clock.now = moment
    return clock


@contextlib.asynccontextmanager
async def serve(issuer: TestIssuer, clock: Clock) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = ListingsSettings(
        database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=issuer.issuer, consumer_enabled=False
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://listings") as client:
            yield app, client


async def outbox(unit_id: str) -> list[tuple[str, dict[str, Any]]]:
    engine = create_async_engine(database_url("listings"))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT event_type, data FROM event_outbox WHERE message_key = :k ORDER BY seq"), {"k": unit_id}
            )
            return [(row[0].removeprefix("abri.listings.unit."), row[1]) for row in rows]
    finally:
        await engine.dispose()


async def publish(client: httpx.AsyncClient, owner: dict[str, str], body: dict[str, Any]) -> tuple[dict[str, Any], httpx.Response]:
    created = await client.post("/v1/units", json=body, headers=owner)
    assert created.status_code == 201, created.text
    unit = created.json()
    return unit, await client.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": created.headers["etag"]})


@pytest.mark.parametrize(
    ("changes", "rule", "field"),
    [
        ({"insee_code": "69123"}, "postal_code_mismatch", "body.postal_code"),  # Lyon's code with Montpellier's postal code
        ({"insee_code": "99999"}, "commune_unknown", "body.insee_code"),
        ({"insee_code": "01340", "postal_code": "01300"}, "commune_merged", "body.insee_code"),  # now Arboys en Bugey
        ({"departement": "974"}, "departement_mismatch", "body.departement"),  # a Paris G home typed as in La Réunion
        ({"latitude": 48.39, "longitude": -4.49}, "position_far_from_commune", "body.latitude"),  # Brest's position
        ({"latitude": None}, "position_incomplete", "body.latitude"),
    ],
)
async def test_the_commune_table_decides_where_a_home_is(issuer: TestIssuer, changes: dict[str, Any], rule: str, field: str) -> None:
    async with serve(issuer, at(datetime.now(UTC))) as (_, client):
        owner = as_(issuer, f"owner-place-{uuid.uuid4().hex[:6]}")
        refused = await client.post("/v1/units", json={**DRAFT, **changes}, headers=owner)
        assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json", refused.text
        errors = {error["rule"]: error for error in refused.json()["errors"]}
        assert rule in errors and field in errors[rule]["fields"]
        assert (await client.get("/v1/units", headers=owner)).json()["items"] == []  # nothing was stored


async def test_the_table_names_the_commune_and_places_a_home_given_no_position(issuer: TestIssuer) -> None:
    async with serve(issuer, at(datetime.now(UTC))) as (_, client):
        owner = as_(issuer, f"owner-place-{uuid.uuid4().hex[:6]}")
        body = {key: value for key, value in DRAFT.items() if key not in ("latitude", "longitude", "departement")}
        created = await client.post("/v1/units", json={**body, "commune": "Montpelier"}, headers=owner)
        assert created.status_code == 201, created.text
        unit = created.json()
        assert unit["commune"] == "Montpellier" and unit["departement"] == "34" and not unit["overseas"]
        assert abs(unit["latitude"] - 43.61) < 0.05 and abs(unit["longitude"] - 3.87) < 0.05
        assert unit["letting_banned_from"] is None and unit["dpe_valid_until"] == "2034-02-28"  # class D: no ban; a DPE of 1 March 2024


async def test_the_overseas_calendar_comes_from_the_commune(issuer: TestIssuer) -> None:
    async with serve(issuer, at(datetime(2027, 6, 1, 10, tzinfo=UTC))) as (_, client):
        owner = as_(issuer, f"owner-dom-{uuid.uuid4().hex[:6]}")
        paris = {"insee_code": "75056", "postal_code": "75011", "departement": "75", "latitude": 48.86, "longitude": 2.38}
        _, in_paris = await publish(client, owner, {**CLASS_G, **paris, "available_from": "2027-06-01"})
        assert in_paris.status_code == 422 and [e["rule"] for e in in_paris.json()["errors"]] == ["energy_letting_ban"]
        unit, in_reunion = await publish(client, owner, {**CLASS_G, **SAINT_DENIS_REUNION, "available_from": "2027-06-01"})
        assert in_reunion.status_code == 200, in_reunion.text  # overseas, class G is banned from 2028 only
        assert in_reunion.json()["overseas"] and in_reunion.json()["letting_banned_from"] == "2028-01-01"
        [(kind, published)] = await outbox(unit["id"])
        assert kind == "published.v1" and published["overseas"] is True and published["letting_banned_from"] == "2028-01-01"


@pytest.mark.parametrize(("available_from", "published"), [("2027-12-31", True), ("2028-01-01", False)])
async def test_a_ban_is_judged_on_the_day_the_home_can_be_let(issuer: TestIssuer, available_from: str, published: bool) -> None:
    async with serve(issuer, at(datetime(2026, 12, 5, 10, tzinfo=UTC))) as (_, client):
        owner = as_(issuer, f"owner-ban-{uuid.uuid4().hex[:6]}")
        _, answer = await publish(client, owner, {**CLASS_F, "available_from": available_from})
        assert (answer.status_code == 200) is published, answer.text
        if not published:
            [error] = answer.json()["errors"]
            assert error["rule"] == "energy_letting_ban" and error["params"]["letting_day"] == "2028-01-01"
            assert error["source"].startswith("Loi 2021-1104") and error["source_url"].startswith("https://www.legifrance.gouv.fr/")


async def test_the_daily_sweep_warns_the_owner_ahead_of_a_ban_and_returns_the_unit_to_draft_on_its_day(issuer: TestIssuer) -> None:
    clock = at(datetime(2027, 6, 1, 10, tzinfo=UTC))
    async with serve(issuer, clock) as (app, client):
        owner = as_(issuer, f"owner-sweep-{uuid.uuid4().hex[:6]}")
        unit, answer = await publish(client, owner, {**CLASS_F, "available_from": "2027-06-15"})
        assert answer.status_code == 200, answer.text
        sessions = app.state.sessionmaker

        async def sweep(day: str) -> list[str]:
            await check_all(sessions, datetime.fromisoformat(f"{day}T08:00:00+00:00"))
            return [kind for kind, _ in await outbox(unit["id"])]

        assert await sweep("2027-07-04") == ["published.v1"]  # 181 days before the ban: not yet
        assert await sweep("2027-07-05") == ["published.v1", "deadline_announced.v1"]  # 180 days before
        assert await sweep("2027-07-05") == ["published.v1", "deadline_announced.v1"]  # checked once a day
        assert await sweep("2027-07-06") == ["published.v1", "deadline_announced.v1"]  # told once per deadline
        announced = (await outbox(unit["id"]))[1][1]
        assert announced["reason"] == "letting_ban" and announced["deadline"] == "2028-01-01" and announced["energy_class"] == "F"
        assert await sweep("2027-12-31") == ["published.v1", "deadline_announced.v1"]  # the eve: still offered
        assert (await client.get(f"/v1/units/{unit['id']}", headers=owner)).json()["status"] == "published"

        assert await sweep("2028-01-01") == ["published.v1", "deadline_announced.v1", "withdrawn.v1"]
        withdrawn = (await outbox(unit["id"]))[2][1]
        assert withdrawn["reason"] == "letting_ban" and withdrawn["rules"] == ["energy_letting_ban"]
        assert (await client.get(f"/v1/units/{unit['id']}", headers=owner)).json()["status"] == "draft"  # back to its owner


async def test_a_let_home_is_announced_its_ban_but_stays_let(issuer: TestIssuer) -> None:
    """Its lease goes on; from the ban's day it may be neither renewed nor followed by a new one."""
    async with serve(issuer, at(datetime(2027, 6, 1, 10, tzinfo=UTC))) as (app, client):
        owner = as_(issuer, f"owner-let-{uuid.uuid4().hex[:6]}")
        unit, answer = await publish(client, owner, {**CLASS_F, "available_from": "2027-06-15"})
        assert answer.status_code == 200, answer.text
        # let through its placement (the steps are matching's events: test_unit_events)
        await execute_sql("listings", "UPDATE units SET status = 'let' WHERE id = :id", id=unit["id"])
        await check_all(app.state.sessionmaker, datetime(2027, 7, 5, 8, tzinfo=UTC))
        await check_all(app.state.sessionmaker, datetime(2028, 1, 2, 8, tzinfo=UTC))
        assert [kind for kind, _ in await outbox(unit["id"])] == ["published.v1", "deadline_announced.v1"]
        await check_all(app.state.sessionmaker, datetime(2033, 9, 2, 8, tzinfo=UTC))  # its DPE (1 March 2024) ends on 28 Feb 2034: 180 days
        kinds = await outbox(unit["id"])
        assert [kind for kind, _ in kinds] == ["published.v1", "deadline_announced.v1", "deadline_announced.v1"]  # the next deadline, too
        assert kinds[2][1]["reason"] == "dpe_expired" and kinds[2][1]["deadline"] == "2034-03-01"
        assert (await client.get(f"/v1/units/{unit['id']}", headers=owner)).json()["status"] == "let"


async def test_two_sweeps_at_once_announce_each_deadline_once(issuer: TestIssuer) -> None:
    async with serve(issuer, at(datetime(2027, 6, 1, 10, tzinfo=UTC))) as (app, client):
        owner = as_(issuer, f"owner-twice-{uuid.uuid4().hex[:6]}")
        ids = []
        for _ in range(3):
            unit, answer = await publish(client, owner, {**CLASS_F, "available_from": "2027-06-15"})
            assert answer.status_code == 200, answer.text
            ids.append(unit["id"])
        moment = datetime(2027, 8, 1, 8, tzinfo=UTC)
        await asyncio.gather(*(check_all(app.state.sessionmaker, moment, batch=2) for _ in range(2)))
        for unit_id in ids:
            assert [kind for kind, _ in await outbox(unit_id)] == ["published.v1", "deadline_announced.v1"]


async def test_a_diagnosis_ending_is_announced_then_the_unit_returns_to_draft_the_day_after_at_midnight_in_france(
    issuer: TestIssuer,
) -> None:
    async with serve(issuer, at(datetime(2030, 6, 1, 10, tzinfo=UTC))) as (app, client):
        owner = as_(issuer, f"owner-dpe-{uuid.uuid4().hex[:6]}")
        dpe = {"dpe_date": "2021-07-01", "available_from": "2030-06-15"}  # valid until 2031-06-30
        unit, answer = await publish(client, owner, {**DRAFT, **dpe})
        assert answer.status_code == 200, answer.text
        assert answer.json()["dpe_valid_until"] == "2031-06-30"

        async def sweep(moment: str) -> list[str]:
            await check_all(app.state.sessionmaker, datetime.fromisoformat(moment))
            return [kind for kind, _ in await outbox(unit["id"])]

        assert await sweep("2031-01-01T08:00:00+00:00") == ["published.v1"]  # 181 days before 1 July
        assert await sweep("2031-01-02T08:00:00+00:00") == ["published.v1", "deadline_announced.v1"]
        assert (await outbox(unit["id"]))[1][1]["reason"] == "dpe_expired"
        assert await sweep("2031-06-30T21:59:00+00:00") == ["published.v1", "deadline_announced.v1"]  # 23:59 on 30 June in France
        assert await sweep("2031-06-30T22:00:00+00:00") == ["published.v1", "deadline_announced.v1", "withdrawn.v1"]  # 00:00 on 1 July
        withdrawn = (await outbox(unit["id"]))[2][1]
        assert withdrawn["reason"] == "dpe_expired" and withdrawn["rules"] == ["dpe_validity"]


async def test_a_unit_stored_before_the_commune_table_is_held_to_it_when_published_or_swept(issuer: TestIssuer) -> None:
    async with serve(issuer, at(datetime(2027, 6, 1, 10, tzinfo=UTC))) as (app, client):
        owner = as_(issuer, f"owner-old-{uuid.uuid4().hex[:6]}")
        draft = (await client.post("/v1/units", json=DRAFT, headers=owner)).json()
        published, answer = await publish(client, owner, DRAFT)
        assert answer.status_code == 200, answer.text
        for unit_id in (draft["id"], published["id"]):  # as an owner could type them before the table was checked
            await execute_sql("listings", "UPDATE units SET insee_code = '01340', departement = '974' WHERE id = :id", id=unit_id)
        refused = await client.post(f"/v1/units/{draft['id']}/publish", headers={**owner, "if-match": '"1"'})
        assert refused.status_code == 422
        assert "commune_merged" in {e["rule"] for e in refused.json()["errors"]}
        await check_all(app.state.sessionmaker, datetime(2027, 6, 2, 8, tzinfo=UTC))
        withdrawn = (await outbox(published["id"]))[-1]
        assert withdrawn[0] == "withdrawn.v1" and "commune_merged" in withdrawn[1]["rules"] and withdrawn[1]["reason"] == "rules"


async def test_an_edit_without_a_position_keeps_the_one_stored(issuer: TestIssuer) -> None:
    async with serve(issuer, at(datetime(2027, 6, 1, 10, tzinfo=UTC))) as (_, client):
        owner = as_(issuer, f"owner-edit-{uuid.uuid4().hex[:6]}")
        unit = (await client.post("/v1/units", json={**DRAFT, "latitude": 43.6011, "longitude": 3.8812}, headers=owner)).json()
        unpositioned = {key: value for key, value in DRAFT.items() if key not in ("latitude", "longitude")}
        edited = await client.put(f"/v1/units/{unit['id']}", json={**unpositioned, "rooms": 3}, headers={**owner, "if-match": '"1"'})
        assert edited.status_code == 200 and (edited.json()["latitude"], edited.json()["longitude"]) == (43.6011, 3.8812)
        moved = {**unpositioned, "insee_code": "34057", "postal_code": "34170"}  # another commune: its position
        edited = await client.put(f"/v1/units/{unit['id']}", json=moved, headers={**owner, "if-match": '"2"'})
        assert (
            edited.status_code == 200 and abs(edited.json()["latitude"] - 43.63) < 0.02 and edited.json()["commune"] == "Castelnau-le-Lez"
        )
