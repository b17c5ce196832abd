"""The owner's pages: units (create, publish with each failed rule next to its field, edit, withdraw),
proposals (accept, decline), guarantees and unpaid rent, the visa check."""

from __future__ import annotations

from typing import Any

from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.support import wait_until
from tests.web.support import Browser, Stack

FORM: dict[str, Any] = {
    "street": "12 rue des Lilas", "postal_code": "34000", "commune": "Montpellier", "insee_code": "34172",
    "latitude": "43,61", "longitude": "3.87", "kind": "apartment", "rooms": "2", "living_area_m2": "40",
    "ceiling_height_m": "2,50", "floor": "1", "rent_cents": "400", "charges_cents": "50", "deposit_cents": "400",
    "energy_class": "D", "primary_energy_kwh": "200", "emissions_kg": "40", "final_energy_kwh": "150",
    "dpe_date": "2024-03-01", "schemes": ["intermediated_letting"], "available_from": "2027-01-01",
    "description": "Deux pièces lumineux",
}  # fmt: skip


async def my_units(owner: Browser) -> list[dict[str, Any]]:
    units: list[dict[str, Any]] = (await owner.api("GET", "/listings/v1/units")).json()["items"]
    return units


async def test_an_owner_creates_and_publishes_a_unit_from_the_form(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        answer = await owner.post("/owner/units/new", {**FORM, "action": "publish"})
        assert answer.status_code == 303, answer.text
        units = await my_units(owner)
        assert len(units) == 1 and units[0]["status"] == "published"
        unit = units[0]
        assert answer.headers["location"] == f"/owner/units/{unit['id']}"
        assert unit["latitude"] == 43.61 and unit["ceiling_height_m"] == 2.5 and unit["rent_cents"] == 40_000
        assert unit["departement"] == "34"  # from the INSEE code
        page = await owner.get(answer.headers["location"])
        assert "Le logement est publié" in page.text and "Publié" in page.text
        listed = await owner.get("/owner/units", params={"lang": "uk"})
        assert "12 rue des Lilas" in listed.text and "Опубліковано" in listed.text and "2 кімнати" in listed.text
    finally:
        await owner.aclose()


async def test_a_unit_that_fails_a_rule_stays_a_draft_with_the_rule_next_to_its_field(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        answer = await owner.post(
            "/owner/units/new",
            {**FORM, "deposit_cents": "900", "action": "publish"},
        )
        assert answer.status_code == 422
        assert 'id="deposit_cents-error"' in answer.text
        assert "Le dépôt de garantie ne peut dépasser un mois de loyer" in answer.text
        assert 'value="900"' in answer.text  # what was typed is kept
        units = await my_units(owner)
        assert [u["status"] for u in units] == ["draft"]  # saved, not published
    finally:
        await owner.aclose()


async def test_a_form_with_bad_values_answers_422_and_creates_nothing(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        answer = await owner.post("/owner/units/new", {**FORM, "postal_code": "3400", "rent_cents": "quatre cents", "schemes": []})
        assert answer.status_code == 422
        for field in ("postal_code", "rent_cents", "schemes"):
            assert f"{field}-" in answer.text
        assert 'aria-invalid="true" aria-describedby="postal_code-error"' in answer.text
        assert "3 champs demandent votre attention" in answer.text
        assert await my_units(owner) == []
        refused = await owner.post("/owner/units/new", FORM, csrf=False)
        assert refused.status_code == 403 and await my_units(owner) == []
    finally:
        await owner.aclose()


async def test_an_owner_edits_then_withdraws_a_unit_and_another_owner_cannot_see_it(stack: Stack) -> None:
    owner, other = stack.browser("owner"), stack.browser("owner")
    try:
        created = (await owner.api("POST", "/listings/v1/units", json=DRAFT)).json()
        edit = await owner.post(f"/owner/units/{created['id']}", {**FORM, "rent_cents": "420,50", "version": "1", "action": "save"})
        assert edit.status_code == 303
        assert (await my_units(owner))[0]["rent_cents"] == 42_050
        stale = await owner.post(f"/owner/units/{created['id']}", {**FORM, "rent_cents": "999", "version": "1", "action": "save"})
        assert stale.status_code == 409 and "modifié entre-temps" in stale.text
        assert (await my_units(owner))[0]["rent_cents"] == 42_050
        assert (await other.get(f"/owner/units/{created['id']}")).status_code == 404
        assert (await other.post(f"/owner/units/{created['id']}/withdraw", {})).status_code == 404
        withdrawn = await owner.post(f"/owner/units/{created['id']}/withdraw", {})
        assert withdrawn.status_code == 303
        assert (await my_units(owner))[0]["status"] == "withdrawn"
    finally:
        await owner.aclose()
        await other.aclose()


async def test_an_owner_answers_a_proposal_seeing_only_the_anonymous_summary(stack: Stack) -> None:
    owner, worker = stack.browser("owner"), stack.browser("social_worker")
    try:
        unit = (await owner.api("POST", "/listings/v1/units", json=DRAFT)).json()
        assert (await owner.api("POST", f"/listings/v1/units/{unit['id']}/publish", headers={"if-match": '"1"'})).status_code == 200
        created = await worker.api("POST", "/matching/v1/households", json=household(unique("W")))
        assert created.status_code == 201, created.text
        proposal = {"household_id": created.json()["id"], "unit_id": unit["id"], "scheme": "intermediated_letting"}

        async def proposed() -> bool:
            return (await worker.api("POST", "/matching/v1/placements", json=proposal)).status_code == 201

        await wait_until(proposed, timeout=60, what="matching learns the unit")
        page = await owner.get("/owner/proposals", params={"lang": "en"})
        assert page.status_code == 200
        assert "3 people" in page.text and "1,200 to 1,800 € a month" in page.text
        assert household("x")["identity"]["last_name"] not in page.text  # never who they are
        placement_id = (await worker.api("GET", "/matching/v1/placements")).json()["items"][0]["id"]
        refused = await owner.post(f"/owner/proposals/{placement_id}/decline", {"reason": "because"})
        assert refused.status_code == 303
        accepted = await owner.post(f"/owner/proposals/{placement_id}/accept", {"require_guarantee": True})
        assert accepted.status_code == 303
        status = (await worker.api("GET", f"/matching/v1/placements/{placement_id}")).json()["status"]
        assert status == "awaiting_guarantee"
    finally:
        await owner.aclose()
        await worker.aclose()


async def test_the_visa_check_answers_unknown_for_a_made_up_number(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        page = await owner.post("/owner/visa-check", {"number": "ABRI-0000-0000-0000", "name": "Personne Inconnue"})
        assert page.status_code == 200 and "Inconnu" in page.text
        assert "Personne Inconnue" not in page.text  # the name is not shown back
        empty = await owner.post("/owner/visa-check", {"number": "", "name": ""})
        assert empty.status_code == 422 and 'id="number-error"' in empty.text and 'id="name-error"' in empty.text
    finally:
        await owner.aclose()


async def test_the_guarantees_page_lists_none_for_a_new_owner(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        page = await owner.get("/owner/guarantees", params={"lang": "ar"})
        assert page.status_code == 200 and 'dir="rtl"' in page.text and "ضماناتي" in page.text
    finally:
        await owner.aclose()
