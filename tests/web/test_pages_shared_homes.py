"""The owner's shared homes through the web front: a home (its shared spaces, lease form and house rules), its
rooms added and published one by one with the home's rules next to their fields, in each language; the
association's search shows a room's home and filters on the house rules a household stated."""

from __future__ import annotations

import re
from typing import Any

from tests.web.support import Browser, Stack

HOME_FORM: dict[str, Any] = {
    "street": "3 rue de la Colocation", "commune": "Montpellier (34000)", "kind": "apartment", "rooms": "4",
    "living_area_m2": "70", "floor": "2", "elevator": "on", "energy_class": "D", "primary_energy_kwh": "200",
    "emissions_kg": "36", "final_energy_kwh": "150", "main_energy": "electricity", "dpe_date": "2024-03-01",
    "schemes": ["intermediated_letting"], "lease_form": "individual", "space_kitchen": "10", "space_living_room": "15",
    "space_bathroom": "4", "space_wc": "1", "smoke_free": "on", "quiet_start": "22:00", "quiet_until": "07:00",
}  # fmt: skip
ROOM_FORM: dict[str, Any] = {
    "label": "Chambre 1", "living_area_m2": "12", "ceiling_height_m": "2,50", "occupants_max": "1", "rent_cents": "350",
    "charges_cents": "50", "deposit_cents": "350", "available_from": "2027-01-01",
}  # fmt: skip


async def my_homes(owner: Browser) -> list[dict[str, Any]]:
    homes: list[dict[str, Any]] = (await owner.api("GET", "/listings/v1/shared-homes")).json()["items"]
    return homes


async def test_an_owner_lets_a_home_room_by_room_from_the_forms(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        created = await owner.post("/owner/shared-homes/new", HOME_FORM)
        assert created.status_code == 303, created.text
        [home] = await my_homes(owner)
        assert created.headers["location"] == f"/owner/shared-homes/{home['id']}"
        assert home["lease_form"] == "individual" and home["smoke_free"] is True
        assert home["quiet_hours"] == {"start": "22:00", "until": "07:00"}
        assert {space["kind"]: space["area_m2"] for space in home["spaces"]} == {"kitchen": 10, "living_room": 15, "bathroom": 4, "wc": 1}
        page = await owner.get(created.headers["location"])
        assert "Ajoutez ses chambres" in page.text  # the notice, in French

        room = await owner.post(f"/owner/shared-homes/{home['id']}/rooms/new", {**ROOM_FORM, "action": "publish"})
        assert room.status_code == 303, room.text
        [unit] = (await my_homes(owner))[0]["room_units"]
        assert unit["status"] == "published" and unit["kind"] == "room" and unit["street"] == HOME_FORM["street"]
        assert room.headers["location"] == f"/owner/shared-homes/{home['id']}/rooms/{unit['id']}"
        shown = await owner.get(room.headers["location"])
        assert "La chambre est publiée" in shown.text  # the notice, in the language of the form
        english = await owner.get(room.headers["location"], params={"lang": "en"})
        assert "its part of the home" in english.text and "Published" in english.text
        listed = await owner.get("/owner/units", params={"lang": "uk"})
        assert f"/owner/shared-homes/{home['id']}/rooms/{unit['id']}" in listed.text  # a room links to its own page
        generic = await owner.get(f"/owner/units/{unit['id']}")
        assert generic.status_code == 303 and generic.headers["location"] == room.headers["location"]
        for language in ("fr", "en", "ar", "uk"):
            assert (await owner.get(f"/owner/shared-homes/{home['id']}", params={"lang": language})).status_code == 200
    finally:
        await owner.aclose()


async def test_a_room_the_homes_rules_refuse_stays_a_draft_with_each_rule_next_to_its_field(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        without_wc = {key: value for key, value in HOME_FORM.items() if key != "space_wc"}
        created = await owner.post("/owner/shared-homes/new", without_wc)
        assert created.status_code == 303, created.text
        home_id = created.headers["location"].rsplit("/", 1)[1]
        refused = await owner.post(
            f"/owner/shared-homes/{home_id}/rooms/new", {**ROOM_FORM, "living_area_m2": "8,5", "occupants_max": "2", "action": "publish"}
        )
        assert refused.status_code == 422
        text = re.sub(r"\s+", " ", refused.text)
        assert "9 m² et 20 m³" in text and "Loi 89-462, art. 8-1" in text  # its sentence and its source
        assert "WC" in text and "16 m²" in text
        [unit] = (await my_homes(owner))[0]["room_units"]
        assert unit["status"] == "draft"  # saved, not published
    finally:
        await owner.aclose()


async def test_bad_forms_answer_422_and_create_nothing_and_another_owner_sees_nothing(stack: Stack) -> None:
    owner, other = stack.browser("owner"), stack.browser("owner")
    try:
        for bad in ({**HOME_FORM, "lease_form": "whatever"}, {**HOME_FORM, "quiet_start": "25:00"}, {**HOME_FORM, "kind": "studio"}):
            answer = await owner.post("/owner/shared-homes/new", bad)
            assert answer.status_code == 422, bad
        assert await my_homes(owner) == []
        created = await owner.post("/owner/shared-homes/new", HOME_FORM)
        home_id = created.headers["location"].rsplit("/", 1)[1]
        bad_room = await owner.post(f"/owner/shared-homes/{home_id}/rooms/new", {**ROOM_FORM, "occupants_max": "zero"})
        assert bad_room.status_code == 422
        assert (await my_homes(owner))[0]["room_units"] == []
        assert (await other.get(f"/owner/shared-homes/{home_id}")).status_code == 404
        assert (await other.post(f"/owner/shared-homes/{home_id}/rooms/new", ROOM_FORM)).status_code == 404
    finally:
        await owner.aclose()
        await other.aclose()
