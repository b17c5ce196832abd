"""Communes by name on the association's pages: a household's wanted communes picked one by one (added,
chosen among homonyms, removed) without JavaScript, its place a commune whose centre the service receives,
everything shown back by name; the unit search the same way. No page asks for a code or a coordinate."""

from __future__ import annotations

import re

from tests.support import execute_sql
from tests.web.support import Stack
from tests.web.test_pages_association import household_form, our_households, unique_code

CODES_SHOWN = re.compile(r">[^<]*\b(69123|93066|69266)\b[^<]*<")
"""An INSEE code written on the page (as a value of a hidden field or a button it is not shown)."""


async def test_a_household_s_communes_are_picked_one_by_one_by_name_and_shown_by_name(stack: Stack) -> None:
    worker = stack.browser("social_worker")
    try:
        reference = unique_code("C")
        form = {**household_form(reference, commune=""), "communes_search": "lyon", "communes_add": "1"}
        added = await worker.post("/association/households/new", form)  # "Add": the form again, nothing registered
        assert added.status_code == 200 and '<input type="hidden" name="communes" value="69123">' in added.text
        assert "<bdi>Lyon (Rhône)</bdi>" in added.text and not CODES_SHOWN.search(added.text)
        assert reference not in [h["reference"] for h in await our_households(worker)]

        several = await worker.post("/association/households/new", {**form, "communes": "69123", "communes_search": "Saint-Denis"})
        assert several.status_code == 422 and "Plusieurs communes correspondent" in several.text
        assert (
            'name="communes_choice" value="93066"' in several.text
            and "Saint-Denis (93200, 93210, 93380) · Seine-Saint-Denis" in several.text
        )
        assert not CODES_SHOWN.search(several.text)
        chosen = await worker.post(
            "/association/households/new", {**form, "communes": "69123", "communes_search": "Saint-Denis", "communes_choice": "93066"}
        )
        assert chosen.status_code == 200 and 'value="69123"' in chosen.text and 'value="93066"' in chosen.text
        removed = await worker.post("/association/households/new", {**form, "communes": ["69123", "93066"], "communes_remove": "69123"})
        assert removed.status_code == 200 and 'name="communes" value="69123"' not in removed.text and 'value="93066"' in removed.text

        unknown = await worker.post("/association/households/new", {**form, "communes_search": "Nulle-Part-sur-Rien", "communes_add": None})
        assert unknown.status_code == 422 and "Aucune commune ne correspond" in unknown.text  # on saving: never dropped silently
        assert '<a href="#communes">Communes souhaitées : aucune commune ne correspond' in unknown.text  # the summary names the picker

        saved = await worker.post(
            "/association/households/new",
            {
                **form,
                "communes": "93066",
                "communes_search": "Villeurbanne",
                "communes_add": None,
                "around": "Villeurbanne (69100)",
                "radius_km": "10",
            },
        )  # text still typed when saving is added too
        assert saved.status_code == 303, saved.text
        household_id = saved.headers["location"].rsplit("/", 1)[-1]
        stored = (await worker.api("GET", f"/matching/v1/households/{household_id}")).json()
        assert stored["wanted"]["communes"] == ["93066", "69266"]
        around = stored["wanted"]["around"]
        assert (around["latitude"], around["longitude"], around["radius_km"]) == (45.77188, 4.88983, 10)  # Villeurbanne's centre
        page = await worker.get(f"/association/households/{household_id}")
        assert "Saint-Denis (Seine-Saint-Denis), Villeurbanne (Rhône)" in page.text and "10 km autour de Villeurbanne (Rhône)" in page.text
        edit = await worker.get(f"/association/households/{household_id}/edit")
        assert 'value="Villeurbanne (69100)"' in edit.text and "<bdi>Saint-Denis (Seine-Saint-Denis)</bdi>" in edit.text
        assert 'name="latitude"' not in edit.text and 'name="longitude"' not in edit.text and not CODES_SHOWN.search(edit.text)
    finally:
        await worker.aclose()


async def test_the_unit_search_picks_communes_by_name_and_searches_around_a_commune(stack: Stack) -> None:
    worker = stack.browser("social_worker")
    try:
        added = await worker.get("/association/units", params={"commune_search": "Villeurbanne", "commune_add": "1"})
        assert added.status_code == 200 and '<input type="hidden" name="commune" value="69266">' in added.text
        assert "<bdi>Villeurbanne (Rhône)</bdi>" in added.text and not CODES_SHOWN.search(added.text)
        refreshed = await worker.get(
            "/association/units",
            params={"commune_search": "Lyon", "commune_add": "1"},
            headers={"hx-request": "true", "hx-trigger-name": "commune_add"},
        )
        assert 'id="page-part"' in refreshed.text and 'value="69123"' in refreshed.text  # the button refreshes the form too
        around = await worker.get("/association/units", params={"around": "Villeurbanne", "radius_km": "5", "sort": "distance"})
        assert around.status_code == 200 and 'value="Villeurbanne (69100)"' in around.text
        bad = await worker.get("/association/units", params={"radius_km": "5"})
        assert bad.status_code == 422 and 'id="around-error"' in bad.text
        assert 'name="lat"' not in around.text and 'name="lon"' not in around.text
        assert '<option value="2A">Corse-du-Sud (2A)</option>' in around.text  # a département by its name
        by_departement = await worker.get("/association/units", params={"departement": "2A"})
        assert by_departement.status_code == 200 and '<option value="2A" selected>' in by_departement.text
        assert (await worker.get("/association/units", params={"departement": "Corse"})).status_code == 422
    finally:
        await worker.aclose()


async def test_saving_a_household_keeps_its_precise_place_while_its_commune_is_unchanged(stack: Stack) -> None:
    worker = stack.browser("social_worker")
    try:
        reference = unique_code("P")
        form = household_form(reference, around="Villeurbanne (69100)", radius_km="10")
        saved = await worker.post("/association/households/new", form)
        assert saved.status_code == 303, saved.text
        household_id = saved.headers["location"].rsplit("/", 1)[-1]
        precise = (45.7801, 4.8802)  # set through the API, say: a workplace's position, not the commune's centre
        await execute_sql(
            "matching", "UPDATE households SET wanted_latitude = :lat, wanted_longitude = :lon WHERE id = :id",
            lat=precise[0], lon=precise[1], id=household_id,
        )  # fmt: skip

        async def place() -> tuple[float, float, float]:
            around = (await worker.api("GET", f"/matching/v1/households/{household_id}")).json()["wanted"]["around"]
            return around["latitude"], around["longitude"], around["radius_km"]

        version = (await worker.api("GET", f"/matching/v1/households/{household_id}")).json()["version"]
        edit = await worker.get(f"/association/households/{household_id}/edit")
        assert 'value="Villeurbanne (69100)"' in edit.text  # the place read back as its commune
        phone = await worker.post(
            f"/association/households/{household_id}/edit", {**form, "phone": "06 99 88 77 66", "radius_km": "12", "version": str(version)}
        )
        assert phone.status_code == 303, phone.text
        assert await place() == (*precise, 12)  # another change saved: the place did not move to the centre

        version = (await worker.api("GET", f"/matching/v1/households/{household_id}")).json()["version"]
        moved = await worker.post(
            f"/association/households/{household_id}/edit", {**form, "around": "Bron (69500)", "version": str(version)}
        )
        assert moved.status_code == 303, moved.text
        latitude, longitude, _ = await place()
        assert (latitude, longitude) != precise and round(latitude, 1) == 45.7  # another commune: its centre
    finally:
        await worker.aclose()
