"""Shared homes let room by room, through the listings API on its real database and Kafka: a home, its rooms
published one by one with the home's rules, the home's facts copied to its rooms and carried in their events,
each room's part of the home's energy bill, and every other owner kept out."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from abri_contracts.listings import UnitSnapshot
from abri_contracts.matching import PlacementAccepted
from tests.listings.shared_home_data import HOME, ROOM
from tests.listings.test_unit_events import Topic, status_becomes
from tests.listings.test_unit_events import client as client
from tests.listings.test_unit_events import topic as topic
from tests.listings.test_units_api import as_
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import send_events


async def home_of(client: httpx.AsyncClient, owner: dict[str, str], **changes: Any) -> dict[str, Any]:
    created = await client.post("/v1/shared-homes", json={**HOME, **changes}, headers=owner)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def room_of(client: httpx.AsyncClient, owner: dict[str, str], home_id: str, **changes: Any) -> dict[str, Any]:
    added = await client.post(f"/v1/shared-homes/{home_id}/rooms", json={**ROOM, **changes}, headers=owner)
    assert added.status_code == 201, added.text
    return dict(added.json())


async def publish(client: httpx.AsyncClient, owner: dict[str, str], room: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/v1/units/{room['id']}/publish", headers={**owner, "if-match": f'"{room["version"]}"'})


async def test_rooms_are_published_one_by_one_with_their_home_in_their_events(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, f"owner-shared-{uuid.uuid4().hex[:8]}")
    home = await home_of(client, owner)
    assert home["commune"] == "Montpellier" and home["room_units"] == []
    first = await room_of(client, owner, home["id"])
    second = await room_of(client, owner, home["id"], label="Chambre 2", living_area_m2=16.0, occupants_max=2, rent_cents=45_000)
    for room in (first, second):
        assert (room["kind"], room["rooms"], room["home_id"], room["street"], room["energy_class"]) == (
            "room", 1, home["id"], HOME["street"], "D"
        )  # fmt: skip
    # each room bears its part of the home's bill: its area over the home's not shared (70 - 30 = 40 m²)
    whole = await client.post("/v1/units", json={**UNIT_LIKE_HOME}, headers=owner)
    assert whole.status_code == 201, whole.text
    home_bill = whole.json()["energy_cost"]["monthly_cents"]
    assert abs(first["energy_cost"]["monthly_cents"] - round(home_bill * 12 / 40)) <= 1
    assert abs(second["energy_cost"]["monthly_cents"] - round(home_bill * 16 / 40)) <= 1

    published = await publish(client, owner, first)
    assert published.status_code == 200, published.text
    [event] = await topic.events_of(first["id"], 1)
    shared = UnitSnapshot.model_validate(event.data).shared_home
    assert shared is not None
    assert (shared.home_id, shared.lease_form, shared.living_area_m2, shared.occupants_max) == (
        uuid.UUID(home["id"]),
        "individual",
        70.0,
        1,
    )
    assert "label" not in event.data["shared_home"] and "Chambre" not in str(event.data)  # the owner's free text stays home
    assert shared.smoke_free and shared.quiet_hours is not None and shared.quiet_hours.start == "22:00"
    assert {space.kind for space in shared.spaces} == {"kitchen", "living_room", "bathroom", "wc"}
    assert "street" not in event.data

    read = (await client.get(f"/v1/shared-homes/{home['id']}", headers=owner)).json()
    assert [(room["label"], room["status"]) for room in read["room_units"]] == [("Chambre 1", "published"), ("Chambre 2", "draft")]


UNIT_LIKE_HOME: dict[str, Any] = {
    **{name: HOME[name] for name in ("street", "postal_code", "insee_code", "floor", "elevator", "schemes", "dpe_date", "main_energy")},
    **{name: HOME[name] for name in ("energy_class", "primary_energy_kwh", "emissions_kg", "final_energy_kwh")},
    "kind": "apartment",
    "rooms": 4,
    "living_area_m2": 70.0,
    "ceiling_height_m": 2.5,
    "furnished": False,
    "rent_cents": 100_000,
    "charges_cents": 10_000,
    "deposit_cents": 100_000,
    "available_from": "2027-01-01",
}


async def test_a_room_is_refused_with_the_homes_rules_and_nothing_changes(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    owner = as_(issuer, f"owner-shared-{uuid.uuid4().hex[:8]}")
    home = await home_of(client, owner, spaces=[{"kind": "kitchen", "area_m2": 10}, {"kind": "bathroom", "area_m2": 4}])
    small = await room_of(client, owner, home["id"], living_area_m2=8.5, occupants_max=2)
    refused = await publish(client, owner, small)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    rules = {error["rule"] for error in refused.json()["errors"]}
    assert {"shared_room_size", "shared_home_crowding", "shared_home_spaces"} <= rules
    assert (await client.get(f"/v1/units/{small['id']}", headers=owner)).json()["status"] == "draft"


async def test_a_home_edit_reaches_its_offered_rooms_and_a_held_room_keeps_what_was_agreed(
    client: httpx.AsyncClient, topic: Topic, issuer: TestIssuer
) -> None:
    owner = as_(issuer, f"owner-shared-{uuid.uuid4().hex[:8]}")
    home = await home_of(client, owner)
    room = await room_of(client, owner, home["id"])
    other = await room_of(client, owner, home["id"], label="Chambre 2")
    assert (await publish(client, owner, room)).status_code == 200
    assert (await publish(client, owner, other)).status_code == 200

    stale = await client.put(f"/v1/shared-homes/{home['id']}", json=HOME, headers={**owner, "if-match": f'"{home["version"]}"'})
    assert stale.status_code == 412  # the home's version moves with its rooms
    current = await client.get(f"/v1/shared-homes/{home['id']}", headers=owner)
    edited = await client.put(
        f"/v1/shared-homes/{home['id']}",
        json={**HOME, "smoke_free": False, "floor": 3},
        headers={**owner, "if-match": current.headers["etag"]},
    )
    assert edited.status_code == 200, edited.text
    assert [r["floor"] for r in edited.json()["room_units"]] == [3, 3]
    events = await topic.events_of(room["id"], 2)
    assert events[-1].type == "abri.listings.unit.updated.v1"
    assert events[-1].data["floor"] == 3 and events[-1].data["shared_home"]["smoke_free"] is False

    generic = await client.put(f"/v1/units/{room['id']}", json={**UNIT_LIKE_HOME}, headers={**owner, "if-match": '"3"'})
    assert generic.status_code == 409  # a room changes with its home

    accepted = PlacementAccepted(placement_id=uuid.uuid4(), unit_id=uuid.UUID(room["id"]), org_id="assoc-1", accepted_at=datetime.now(UTC))
    await send_events(accepted)
    await status_becomes(client, owner, room["id"], "reserved")
    current = (await client.get(f"/v1/shared-homes/{home['id']}", headers=owner)).json()
    moved = await client.put(
        f"/v1/shared-homes/{home['id']}",
        json={**HOME, "smoke_free": False, "floor": 4},
        headers={**owner, "if-match": f'"{current["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    floors = {r["id"]: (r["status"], r["floor"]) for r in moved.json()["room_units"]}
    assert floors == {room["id"]: ("reserved", 3), other["id"]: ("published", 4)}  # the reserved room keeps what was agreed
    # the other room is still offered and still edited on its own
    room_edit = await client.put(
        f"/v1/shared-homes/{home['id']}/rooms/{other['id']}",
        json={**ROOM, "label": "Chambre 2", "rent_cents": 34_000, "deposit_cents": 34_000},
        headers={**owner, "if-match": '"4"'},
    )
    assert room_edit.status_code == 200, room_edit.text
    assert room_edit.json()["rent_cents"] == 34_000 and room_edit.json()["floor"] == 4


async def test_another_owners_home_and_rooms_answer_404(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    owner = as_(issuer, f"owner-shared-{uuid.uuid4().hex[:8]}")
    stranger = as_(issuer, f"owner-other-{uuid.uuid4().hex[:8]}")
    home = await home_of(client, owner)
    room = await room_of(client, owner, home["id"])
    assert (await client.get(f"/v1/shared-homes/{home['id']}", headers=stranger)).status_code == 404
    assert (await client.post(f"/v1/shared-homes/{home['id']}/rooms", json=ROOM, headers=stranger)).status_code == 404
    put = await client.put(f"/v1/shared-homes/{home['id']}", json=HOME, headers={**stranger, "if-match": '"1"'})
    assert put.status_code == 404
    room_put = await client.put(f"/v1/shared-homes/{home['id']}/rooms/{room['id']}", json=ROOM, headers={**stranger, "if-match": '"1"'})
    assert room_put.status_code == 404
    listed = (await client.get("/v1/shared-homes", headers=stranger)).json()["items"]
    assert home["id"] not in {h["id"] for h in listed}
    social_worker = as_(issuer, "sw-1", role="social_worker", org_id="assoc-1")
    assert (await client.get(f"/v1/shared-homes/{home['id']}", headers=social_worker)).status_code in (403, 404)


async def test_bad_input_is_refused_and_creates_nothing(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    owner = as_(issuer, f"owner-shared-{uuid.uuid4().hex[:8]}")
    for bad in (
        {**HOME, "lease_form": "whatever"},
        {**HOME, "spaces": [{"kind": "garage", "area_m2": 10}]},
        {**HOME, "quiet_hours": {"start": "25:00", "until": "07:00"}},
        {**HOME, "rooms": 1},
        {**HOME, "insee_code": "99999"},
    ):
        refused = await client.post("/v1/shared-homes", json=bad, headers=owner)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/shared-homes", headers=owner)).json()["items"] == []
    home = await home_of(client, owner)
    for bad_room in ({**ROOM, "occupants_max": 0}, {**ROOM, "street": "ailleurs"}, {**ROOM, "living_area_m2": "12"}):
        refused = await client.post(f"/v1/shared-homes/{home['id']}/rooms", json=bad_room, headers=owner)
        assert refused.status_code == 422, refused.text
    assert (await client.get(f"/v1/shared-homes/{home['id']}", headers=owner)).json()["room_units"] == []


async def test_a_search_shows_a_rooms_home_and_filters_on_its_stated_house_rules_only(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    owner = as_(issuer, f"owner-shared-{uuid.uuid4().hex[:8]}")
    place = {"insee_code": "34270", "postal_code": "34430"}
    smoke_free = await home_of(client, owner, **place)
    smoking = await home_of(client, owner, **place, smoke_free=False, quiet_hours=None)
    rooms = {}
    for name, home in (("smoke_free", smoke_free), ("smoking", smoking)):
        room = await room_of(client, owner, home["id"])
        assert (await publish(client, owner, room)).status_code == 200
        rooms[name] = room["id"]
    worker = as_(issuer, "sw-search", role="social_worker", org_id="assoc-1")

    async def found(**params: Any) -> dict[str, dict[str, Any]]:
        answer = await client.get("/v1/search/units", params={"commune": "34270", "limit": 100, **params}, headers=worker)
        assert answer.status_code == 200, answer.text
        return {hit["id"]: hit for hit in answer.json()["items"]}

    everything = await found(home="room")
    hit = everything[rooms["smoke_free"]]
    assert hit["kind"] == "room" and hit["home_id"] == smoke_free["id"] and hit["occupants_max"] == 1
    assert hit["shared_home"]["lease_form"] == "individual" and hit["shared_home"]["smoke_free"] is True
    assert hit["shared_home"]["quiet_hours"] == {"start": "22:00", "until": "07:00"} and "street" not in hit
    assert rooms["smoking"] in everything
    assert rooms["smoking"] not in await found(smoke_free="true") and rooms["smoke_free"] in await found(smoke_free="true")
    assert rooms["smoking"] not in await found(quiet_hours="true")
    assert not set(rooms.values()) & set(await found(home="whole"))
    refused = await client.get("/v1/search/units", params={"home": "flat"}, headers=worker)
    assert refused.status_code == 422


async def test_two_rooms_published_at_once_are_judged_one_after_the_other(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    """Each room alone fits the home; both together do not (26 m² of rooms and 20 m² shared in 45 m²): of two
    publications at the same moment, exactly one passes, the other is refused naming the rule."""
    owner = as_(issuer, f"owner-shared-{uuid.uuid4().hex[:8]}")
    spaces = [
        {"kind": "kitchen", "area_m2": 10},
        {"kind": "bathroom", "area_m2": 5},
        {"kind": "wc", "area_m2": 1},
        {"kind": "other", "area_m2": 4},
    ]
    home = await home_of(client, owner, living_area_m2=45.0, spaces=spaces)
    first = await room_of(client, owner, home["id"], living_area_m2=13.0)
    second = await room_of(client, owner, home["id"], living_area_m2=13.0)
    answers = await asyncio.gather(publish(client, owner, first), publish(client, owner, second))
    assert sorted(answer.status_code for answer in answers) == [200, 422]
    refused = next(answer for answer in answers if answer.status_code == 422)
    assert [error["rule"] for error in refused.json()["errors"]] == ["shared_home_coherence"]
    statuses = sorted(room["status"] for room in (await client.get(f"/v1/shared-homes/{home['id']}", headers=owner)).json()["room_units"])
    assert statuses == ["draft", "published"]
