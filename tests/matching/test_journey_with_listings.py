"""The placement journey with listings, both services running with their relays and consumers on the
real broker: an owner publishes, matching learns it from the event, an association proposes, the owner
accepts and listings reserves the unit, the lease is signed and listings lets it; a placement that
falls through brings the unit back to search."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from asgi_lifespan import LifespanManager

from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from abri_matching.main import create_app as create_matching
from abri_matching.settings import MatchingSettings
from tests.listings.shared_home_data import HOME, ROOM
from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household, unique
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url, kafka_bootstrap, wait_until

pytestmark = pytest.mark.timeout(180)
CAHORS = {"commune": "Cahors", "postal_code": "46000", "insee_code": "46042", "departement": "46", "latitude": 44.447, "longitude": 1.441}


@pytest.fixture(scope="module")
async def services(issuer: TestIssuer) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap(), "oidc_issuer": issuer.issuer, "relay_poll_interval_s": 0.2}
    listings = create_listings(ListingsSettings(database_url=database_url("listings"), **common))
    matching = create_matching(MatchingSettings(database_url=database_url("matching"), **common))
    async with (
        LifespanManager(listings, startup_timeout=30, shutdown_timeout=30) as running_listings,
        LifespanManager(matching, startup_timeout=30, shutdown_timeout=30) as running_matching,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=running_listings.app), base_url="http://listings") as listings_client,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=running_matching.app), base_url="http://matching") as matching_client,
    ):
        yield listings_client, matching_client


def bearer(issuer: TestIssuer, sub: str, role: str, org_id: str | None = None) -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=sub, roles=[role], **claims)}"}


async def eventually(read: Any, expected: Any, what: str) -> None:
    async def reached() -> bool:
        return bool(await read() == expected)

    await wait_until(reached, timeout=60, what=what)


async def test_the_journey_moves_the_unit_in_listings_through_events(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    listings, matching = services
    owner, worker = bearer(issuer, "owner-journey", "owner"), bearer(issuer, "sw-journey", "social_worker", "assoc-journey")

    async def published_unit() -> str:
        unit = (await listings.post("/v1/units", json={**DRAFT, **CAHORS}, headers=owner)).json()
        published = await listings.post(f"/v1/units/{unit['id']}/publish", headers={**owner, "if-match": '"1"'})
        assert published.status_code == 200, published.text
        return str(unit["id"])

    async def status_in_listings(unit_id: str) -> str:
        return str((await listings.get(f"/v1/units/{unit_id}", headers=owner)).json()["status"])

    async def candidates(unit_id: str) -> int:
        return (await matching.get(f"/v1/units/{unit_id}/candidates", headers=worker)).status_code

    body = {**household(unique("J")), "wanted": {"communes": ["46042"]}, "needs": {"min_bedrooms": 1}}
    household_id = (await matching.post("/v1/households", json=body, headers=worker)).json()["id"]
    unit_id = await published_unit()
    await eventually(lambda: candidates(unit_id), 200, "matching learns the published unit")
    matches = (await matching.get(f"/v1/households/{household_id}/matches", headers=worker)).json()
    assert unit_id in [m["unit"]["unit_id"] for m in matches]

    proposal = {"household_id": household_id, "unit_id": unit_id, "scheme": "intermediated_letting"}
    placement = (await matching.post("/v1/placements", json=proposal, headers=worker)).json()
    assert (await matching.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=owner)).json()["status"] == "accepted"
    await eventually(lambda: status_in_listings(unit_id), "reserved", "listings reserves the unit")
    await eventually(lambda: candidates(unit_id), 404, "matching sees the unit reserved (listings' event)")
    today = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    head_lease_ends_on = (date.fromisoformat(today) + timedelta(days=3 * 365)).isoformat()  # the association's lease, for a sub-let
    lease = {"signed_on": today, "starts_on": today, "lease_type": "sub_let", "head_lease_ends_on": head_lease_ends_on}
    assert (await matching.post(f"/v1/placements/{placement['id']}/lease", json=lease, headers=worker)).status_code == 200
    await eventually(lambda: status_in_listings(unit_id), "let", "listings lets the unit")

    other_unit = await published_unit()
    await eventually(lambda: candidates(other_unit), 200, "matching learns the second unit")
    body = {**household(unique("J")), "wanted": {"communes": ["46042"]}, "needs": {"min_bedrooms": 1}}
    second_household = (await matching.post("/v1/households", json=body, headers=worker)).json()["id"]
    proposal = {"household_id": second_household, "unit_id": other_unit, "scheme": "intermediated_letting"}
    second = (await matching.post("/v1/placements", json=proposal, headers=worker)).json()
    await matching.post(f"/v1/placements/{second['id']}/accept", json={}, headers=owner)
    await eventually(lambda: status_in_listings(other_unit), "reserved", "listings reserves the second unit")
    await matching.post(f"/v1/placements/{second['id']}/withdraw", json={"reason": "household_withdrew"}, headers=worker)
    await eventually(lambda: status_in_listings(other_unit), "published", "listings publishes it again")
    await eventually(lambda: candidates(other_unit), 200, "and matching offers it again")


async def test_a_room_of_a_shared_home_reaches_matching_with_its_home_and_is_proposed_to_who_it_takes(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient], issuer: TestIssuer
) -> None:
    """Listings publishes a room; matching learns its home from the event (lease form, capacity, house rules) and
    ranks the association's households against it: a couple is not offered a room for one, a household that
    stated it needs a smoke-free home is not offered a room where smoking is allowed."""
    listings, matching = services
    org = f"assoc-shared-{unique('o')}"
    owner, worker = bearer(issuer, "owner-journey-shared", "owner"), bearer(issuer, "sw-journey-shared", "social_worker", org)
    place = {"postal_code": "46000", "insee_code": "46042"}
    home = (await listings.post("/v1/shared-homes", json={**HOME, **place, "smoke_free": False}, headers=owner)).json()
    room = (await listings.post(f"/v1/shared-homes/{home['id']}/rooms", json=ROOM, headers=owner)).json()
    published = await listings.post(f"/v1/units/{room['id']}/publish", headers={**owner, "if-match": f'"{room["version"]}"'})
    assert published.status_code == 200, published.text

    wanted = {"wanted": {"communes": ["46042"]}, "needs": {"min_bedrooms": 1}}
    single = (
        await matching.post("/v1/households", json={**household(unique("S")), **wanted, "adults": 1, "children": 0}, headers=worker)
    ).json()
    couple = (
        await matching.post("/v1/households", json={**household(unique("C")), **wanted, "adults": 2, "children": 0}, headers=worker)
    ).json()
    smoke_free = {**household(unique("F")), **wanted, "adults": 1, "children": 0, "needs": {"min_bedrooms": 1, "smoke_free": True}}
    bound = (await matching.post("/v1/households", json=smoke_free, headers=worker)).json()

    async def candidates() -> set[str]:
        answer = await matching.get(f"/v1/units/{room['id']}/candidates", headers=worker)
        return {c["household"]["household_id"] for c in answer.json()} if answer.status_code == 200 else set()

    await eventually(candidates, {single["id"]}, "matching learns the room and ranks who it takes")
    matches = (await matching.get(f"/v1/households/{single['id']}/matches", headers=worker)).json()
    card = next(m["unit"] for m in matches if m["unit"]["unit_id"] == room["id"])
    assert card["kind"] == "room" and card["shared_home"]["lease_form"] == "individual" and card["shared_home"]["occupants_max"] == 1
    assert couple["id"] and bound["id"]
