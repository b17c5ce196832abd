"""Overseas homes judged on their own day, through the listings API on its real database and a clock the
test moves: a ban that starts on 1 January starts at midnight in Saint-Denis de La Réunion (UTC+4), three
hours before Paris, and at midnight in Fort-de-France (UTC-4), five hours after; the daily sweep warns and
withdraws each home on its own day. And why a unit went back to draft, in its owner's view of it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from abri_kit.communes import communes
from abri_kit.usecase import Context
from abri_listings.deadlines import check_all
from abri_listings.usecases.placements import release
from tests.listings.test_rules_at_their_dates import CLASS_F, CLASS_G, at, outbox, publish, serve
from tests.listings.test_units_api import DRAFT, as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import execute_sql

pytestmark = pytest.mark.timeout(180)


def place(insee_code: str, postal_code: str) -> dict[str, Any]:
    """A real commune of the official table, at its own position."""
    commune = communes().get(insee_code)
    assert commune is not None and postal_code in commune.postal_codes
    return {
        "insee_code": insee_code,
        "postal_code": postal_code,
        "departement": commune.departement,
        "latitude": commune.latitude,
        "longitude": commune.longitude,
    }


SAINT_DENIS = place("97411", "97400")  # La Réunion, 974, Indian/Reunion (UTC+4)
FORT_DE_FRANCE = place("97209", "97200")  # Martinique, 972, America/Martinique (UTC-4)
PARIS = place("75056", "75011")  # Europe/Paris (UTC+1 in winter)

# Both bans start on 1 January 2028 in their calendars (ListingsPolicy): class F in mainland France, class G
# overseas (where F follows in 2031). Each home is available already, so it is judged on the day itself.
REUNION_G = {**CLASS_G, **SAINT_DENIS, "available_from": "2027-06-15"}
MARTINIQUE_G = {**CLASS_G, **FORT_DE_FRANCE, "available_from": "2027-06-15"}
PARIS_F = {**CLASS_F, **PARIS, "available_from": "2027-06-15"}


def owner(issuer: TestIssuer) -> dict[str, str]:
    return as_(issuer, f"owner-zone-{uuid.uuid4().hex[:6]}")


async def publish_at(issuer: TestIssuer, moment: datetime, body: dict[str, Any]) -> httpx.Response:
    async with serve(issuer, at(moment)) as (_, client):
        _, answer = await publish(client, owner(issuer), body)
        return answer


def rules_of(answer: httpx.Response) -> list[str]:
    return [error["rule"] for error in answer.json()["errors"]]


async def test_a_home_in_la_reunion_enters_the_ban_at_midnight_there_while_paris_is_still_on_the_eve(issuer: TestIssuer) -> None:
    eve_there = datetime(2027, 12, 31, 19, 30, tzinfo=UTC)  # 23:30 in Saint-Denis, 20:30 in Paris
    new_year_there = datetime(2027, 12, 31, 20, 30, tzinfo=UTC)  # 00:30 on 1 January 2028 in Saint-Denis, 21:30 in Paris
    assert (await publish_at(issuer, eve_there, REUNION_G)).status_code == 200

    refused = await publish_at(issuer, new_year_there, REUNION_G)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["rule"] == "energy_letting_ban" and error["params"]["overseas"] is True
    assert error["params"]["since"] == "2028-01-01" and error["params"]["letting_day"] == "2028-01-01"  # its day, not Paris's

    in_paris = await publish_at(issuer, new_year_there, PARIS_F)  # the same instant, still 31 December in Paris
    assert in_paris.status_code == 200, in_paris.text


async def test_a_home_in_martinique_passes_until_midnight_there_when_paris_is_refused(issuer: TestIssuer) -> None:
    new_year_in_paris = datetime(2028, 1, 1, 2, 0, tzinfo=UTC)  # 03:00 on 1 January in Paris, 22:00 on 31 December in Fort-de-France
    in_paris = await publish_at(issuer, new_year_in_paris, PARIS_F)
    assert in_paris.status_code == 422 and rules_of(in_paris) == ["energy_letting_ban"], in_paris.text
    assert in_paris.json()["errors"][0]["params"]["letting_day"] == "2028-01-01"

    in_martinique = await publish_at(issuer, new_year_in_paris, MARTINIQUE_G)
    assert in_martinique.status_code == 200, in_martinique.text
    assert in_martinique.json()["letting_banned_from"] == "2028-01-01"

    new_year_there = datetime(2028, 1, 1, 4, 30, tzinfo=UTC)  # 00:30 on 1 January in Fort-de-France
    refused = await publish_at(issuer, new_year_there, MARTINIQUE_G)
    assert refused.status_code == 422 and rules_of(refused) == ["energy_letting_ban"], refused.text


async def test_the_sweep_warns_and_withdraws_each_home_on_its_own_day(issuer: TestIssuer) -> None:
    async with serve(issuer, at(datetime(2027, 6, 1, 10, tzinfo=UTC))) as (app, client):
        headers = owner(issuer)
        ids: dict[str, str] = {}
        for name, body in (("reunion", REUNION_G), ("paris", PARIS_F), ("martinique", MARTINIQUE_G)):
            unit, answer = await publish(client, headers, body)
            assert answer.status_code == 200, answer.text
            ids[name] = unit["id"]

        async def sweep(moment: datetime) -> dict[str, list[str]]:
            await check_all(app.state.sessionmaker, moment)
            return {name: [kind.removesuffix(".v1") for kind, _ in await outbox(unit_id)][1:] for name, unit_id in ids.items()}

        # 180 days before 1 January 2028 is 5 July 2027, on each home's calendar
        assert await sweep(datetime(2027, 7, 4, 21, 0, tzinfo=UTC)) == {  # 01:00 on 5 July in Saint-Denis, 23:00 on 4 July in Paris
            "reunion": ["deadline_announced"],
            "paris": [],
            "martinique": [],
        }
        assert await sweep(datetime(2027, 7, 5, 3, 30, tzinfo=UTC)) == {  # 05:30 in Paris, 23:30 on 4 July in Fort-de-France
            "reunion": ["deadline_announced"],
            "paris": ["deadline_announced"],
            "martinique": [],
        }
        assert await sweep(datetime(2027, 7, 5, 4, 30, tzinfo=UTC)) == {  # 00:30 on 5 July in Fort-de-France
            "reunion": ["deadline_announced"],
            "paris": ["deadline_announced"],
            "martinique": ["deadline_announced"],
        }
        [(_, reunion_told)] = [event for event in await outbox(ids["reunion"]) if event[0] == "deadline_announced.v1"]
        assert reunion_told["overseas"] is True and reunion_told["deadline"] == "2028-01-01"
        assert (reunion_told["postal_code"], reunion_told["commune"]) == ("97400", "Saint-Denis")  # the home, named to its owner

        assert await sweep(datetime(2027, 12, 31, 19, 30, tzinfo=UTC)) == {  # 23:30 in Saint-Denis: the eve everywhere
            "reunion": ["deadline_announced"],
            "paris": ["deadline_announced"],
            "martinique": ["deadline_announced"],
        }
        new_year_in_reunion = datetime(2027, 12, 31, 20, 30, tzinfo=UTC)
        assert await sweep(new_year_in_reunion) == {
            "reunion": ["deadline_announced", "withdrawn"],
            "paris": ["deadline_announced"],
            "martinique": ["deadline_announced"],
        }
        assert await sweep(datetime(2028, 1, 1, 2, 0, tzinfo=UTC)) == {  # 03:00 in Paris, 22:00 on 31 December in Fort-de-France
            "reunion": ["deadline_announced", "withdrawn"],
            "paris": ["deadline_announced", "withdrawn"],
            "martinique": ["deadline_announced"],
        }
        assert await sweep(datetime(2028, 1, 1, 4, 30, tzinfo=UTC)) == {
            "reunion": ["deadline_announced", "withdrawn"],
            "paris": ["deadline_announced", "withdrawn"],
            "martinique": ["deadline_announced", "withdrawn"],
        }

        reunion = (await client.get(f"/v1/units/{ids['reunion']}", headers=headers)).json()
        assert reunion["status"] == "draft"
        assert reunion["withdrawal"] == {"reason": "letting_ban", "rules": ["energy_letting_ban"], "at": "2027-12-31T20:30:00Z"}


async def test_two_sweeps_at_once_judge_each_home_once_on_its_day(issuer: TestIssuer) -> None:
    async with serve(issuer, at(datetime(2027, 6, 1, 10, tzinfo=UTC))) as (app, client):
        headers = owner(issuer)
        ids = []
        for body in (REUNION_G, PARIS_F, MARTINIQUE_G, REUNION_G, PARIS_F, MARTINIQUE_G):
            unit, answer = await publish(client, headers, body)
            assert answer.status_code == 200, answer.text
            ids.append(unit["id"])
        for moment in (datetime(2027, 8, 1, 8, tzinfo=UTC), datetime(2028, 1, 1, 4, 30, tzinfo=UTC)):
            await asyncio.gather(*(check_all(app.state.sessionmaker, moment, batch=2) for _ in range(2)))
        for unit_id in ids:
            assert [kind for kind, _ in await outbox(unit_id)] == ["published.v1", "deadline_announced.v1", "withdrawn.v1"]


async def test_the_owner_reads_why_a_unit_went_back_to_draft_until_it_is_published_again(issuer: TestIssuer) -> None:
    clock = at(datetime(2031, 6, 1, 10, tzinfo=UTC))
    async with serve(issuer, clock) as (app, client):
        headers = owner(issuer)
        dpe = {"dpe_date": "2021-07-01", "available_from": "2031-06-15"}  # valid until 2031-06-30
        unit, answer = await publish(client, headers, {**DRAFT, **dpe})
        assert answer.status_code == 200 and answer.json()["withdrawal"] is None, answer.text
        draft = (await client.post("/v1/units", json=DRAFT, headers=headers)).json()
        assert draft["withdrawal"] is None  # never withdrawn

        await check_all(app.state.sessionmaker, datetime(2031, 6, 30, 22, 0, tzinfo=UTC))  # 00:00 on 1 July in France
        read = await client.get(f"/v1/units/{unit['id']}", headers=headers)
        assert read.json()["status"] == "draft"
        assert read.json()["withdrawal"] == {"reason": "dpe_expired", "rules": ["dpe_validity"], "at": "2031-06-30T22:00:00Z"}
        [(_, withdrawn)] = [event for event in await outbox(unit["id"]) if event[0] == "withdrawn.v1"]
        assert (withdrawn["reason"], withdrawn["rules"]) == ("dpe_expired", ["dpe_validity"])  # what the event said
        listed = {item["id"]: item for item in (await client.get("/v1/units", headers=headers)).json()["items"]}
        assert listed[unit["id"]]["withdrawal"]["reason"] == "dpe_expired"

        clock.now = datetime(2031, 7, 2, 9, tzinfo=UTC)
        renewed = {**DRAFT, "dpe_date": "2031-07-01", "available_from": "2031-07-15"}  # a new diagnosis
        edited = await client.put(f"/v1/units/{unit['id']}", json=renewed, headers={**headers, "if-match": read.headers["etag"]})
        assert edited.status_code == 200 and edited.json()["withdrawal"]["reason"] == "dpe_expired"  # still a draft: still says why
        again = await client.post(f"/v1/units/{unit['id']}/publish", headers={**headers, "if-match": edited.headers["etag"]})
        assert again.status_code == 200 and again.json()["withdrawal"] is None, again.text

        mine = await client.post(f"/v1/units/{unit['id']}/withdraw", headers={**headers, "if-match": again.headers["etag"]})
        assert mine.status_code == 200 and mine.json()["status"] == "withdrawn"
        assert mine.json()["withdrawal"] == {"reason": "owner", "rules": [], "at": "2031-07-02T09:00:00Z"}
        assert (await outbox(unit["id"]))[-1][1]["reason"] == "owner"


async def test_a_rule_that_refuses_a_released_unit_is_its_withdrawal(issuer: TestIssuer) -> None:
    """A reserved unit whose placement fell through after a ban began goes back to draft: its owner reads why."""
    clock = at(datetime(2027, 6, 1, 10, tzinfo=UTC))
    async with serve(issuer, clock) as (app, client):
        headers = owner(issuer)
        unit, answer = await publish(client, headers, REUNION_G)
        assert answer.status_code == 200, answer.text
        placement = uuid.uuid4()
        await execute_sql(
            "listings", "UPDATE units SET status = 'reserved', placement_id = :p WHERE id = :id", p=str(placement), id=unit["id"]
        )
        fell_through = datetime(2027, 12, 31, 20, 30, tzinfo=UTC)  # 00:30 on 1 January 2028 in Saint-Denis
        async with app.state.sessionmaker() as session, session.begin():
            await release(Context.of_system(session, fell_through), placement, uuid.UUID(unit["id"]), lambda: fell_through)
        read = (await client.get(f"/v1/units/{unit['id']}", headers=headers)).json()
        assert read["status"] == "draft"
        assert read["withdrawal"] == {"reason": "letting_ban", "rules": ["energy_letting_ban"], "at": "2027-12-31T20:30:00Z"}
