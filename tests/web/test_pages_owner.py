"""The owner's pages: units (create, publish with each failed rule next to its field, edit, withdraw),
proposals (accept, decline), guarantees and unpaid rent, the visa check."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from abri_gateway.web.pages.visa_check import FORM_LIMIT
from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.support import execute_sql, wait_until
from tests.web.support import Browser, Stack

FORM: dict[str, Any] = {
    "street": "12 rue des Lilas", "commune": "Montpellier (34000)",
    "kind": "apartment", "rooms": "2", "living_area_m2": "40",
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
        assert (unit["latitude"], unit["longitude"]) == (43.61001, 3.87417)  # the commune's centre, from the table
        assert unit["ceiling_height_m"] == 2.5 and unit["rent_cents"] == 40_000
        assert unit["departement"] == "34" and unit["insee_code"] == "34172" and unit["postal_code"] == "34000"  # from the table
        page = await owner.get(answer.headers["location"])
        assert "Le logement est publié" in page.text and "Publié" in page.text
        listed = await owner.get("/owner/units", params={"lang": "uk"})
        assert "12 rue des Lilas" in listed.text and "Опубліковано" in listed.text and "2 кімнати" in listed.text
    finally:
        await owner.aclose()


async def test_a_suggestion_fetched_between_a_save_and_the_next_page_leaves_the_notice_to_the_page(stack: Stack) -> None:
    """The commune suggestions a script fetches while the owner types can arrive after the form was posted:
    such a fragment must not swallow the notice the next page shows (the keyboard journey lost it so in CI)."""
    owner = stack.browser("owner")
    try:
        answer = await owner.post("/owner/units/new", {**FORM, "action": "publish"})
        assert answer.status_code == 303, answer.text
        late = await owner.get("/owner/communes", params={"commune": "montpel"})
        assert late.status_code == 200 and "Le logement est publié" not in late.text
        page = await owner.get(answer.headers["location"])
        assert "Le logement est publié" in page.text and "fr-alert--success" in page.text
        again = await owner.get(answer.headers["location"])
        assert "Le logement est publié" not in again.text  # shown once
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
        error = field_error(answer.text, "deposit_cents")
        assert "Le dépôt de garantie ne peut dépasser 400,00\u00a0€ pour un logement vide" in error  # from rule and params
        assert "Loi 89-462, art. 22" in error  # its legal source, with its link in a new tab
        assert 'href="https://www.legifrance.gouv.fr/loda/id/JORFTEXT000000509310" target="_blank" rel="noopener"' in error
        assert 'value="900"' in answer.text  # what was typed is kept
        english = await owner.get(f"/owner/units/{(await my_units(owner))[0]['id']}", params={"lang": "en"})
        assert "Class D: no letting ban is planned for it." in english.text and "Valid until" in english.text
        units = await my_units(owner)
        assert [u["status"] for u in units] == ["draft"]  # saved, not published
    finally:
        await owner.aclose()


def field_error(html: str, name: str) -> str:
    """The error paragraph tied to field ``name`` (its sentence and its source)."""
    found = re.search(rf'<p id="{name}-error" class="fr-error-text">(.*?)</p>', html, re.S)
    assert found, f"no error next to {name}"
    return found.group(1)


async def test_the_commune_is_chosen_by_name_and_a_place_the_table_refuses_creates_nothing(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        suggested = await owner.get("/owner/communes", params={"commune": "montpel"})
        assert (
            suggested.status_code == 200 and '<option value="Montpellier (34070)" label="Montpellier (34070) · Hérault">' in suggested.text
        )
        several = await owner.post("/owner/units/new", {**FORM, "commune": "Saint-Denis"})
        assert several.status_code == 422 and "Plusieurs communes correspondent" in field_error(several.text, "commune")
        assert '<option value="93066"' in several.text and '<option value="97411"' in several.text  # the choice, without JavaScript
        assert "Saint-Denis (93200, 93210, 93380) · Seine-Saint-Denis" in several.text and "· La Réunion" in several.text  # told apart
        assert "97411" not in re.sub(r'value="97411"', "", several.text)  # codes only as values, never shown
        assert 'name="latitude"' not in several.text and 'name="longitude"' not in several.text  # no coordinate to type
        assert await my_units(owner) == []

        wrong_code = await owner.post("/owner/units/new", {**FORM, "commune": "Montpellier", "postal_code": "75001"})  # sent by hand
        assert wrong_code.status_code == 422 and "Choisissez le code postal" in field_error(wrong_code.text, "postal_code")
        assert '<option value="34070"' in wrong_code.text and "75001" not in wrong_code.text  # one of the commune's, chosen
        lyon_brest = {**FORM, "commune": "Lyon", "insee_code": "69123", "postal_code": "34000", "latitude": "48.39", "longitude": "-4.49"}
        mixed = await owner.post("/owner/units/new", lyon_brest)  # 34000 with Lyon's code and Brest's position, sent by hand
        assert mixed.status_code == 422 and "Choisissez le code postal" in field_error(mixed.text, "postal_code")
        assert '<option value="69001"' in mixed.text and await my_units(owner) == []
        assert await my_units(owner) == []

        forged = {"latitude": "48.39", "longitude": "-4.49"}  # Brest's position sent by hand, as no page asks it: ignored
        place = {**FORM, **forged, "commune": "Saint-Denis", "insee_code": "93066", "action": "save"}
        which_code = await owner.post("/owner/units/new", place)  # the commune has two postal codes: which one
        assert which_code.status_code == 422 and '<option value="93210"' in which_code.text
        assert "Choisissez le code postal" in field_error(which_code.text, "postal_code") and await my_units(owner) == []
        chosen = await owner.post("/owner/units/new", {**place, "postal_code": "93200"})
        assert chosen.status_code == 303, chosen.text
        unit = (await my_units(owner))[0]
        assert (unit["commune"], unit["departement"], unit["postal_code"]) == ("Saint-Denis", "93", "93200")
        assert abs(unit["latitude"] - 48.93) < 0.05  # the commune's own position, none typed
        page = await owner.get(f"/owner/units/{unit['id']}")
        assert 'value="Saint-Denis (93200)"' in page.text and 'name="departement"' not in page.text
    finally:
        await owner.aclose()


async def test_the_unit_page_says_when_its_class_may_no_longer_be_let_and_why_it_went_back_to_draft(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        draft = {**FORM, "energy_class": "E", "primary_energy_kwh": "350", "emissions_kg": "60", "dpe_date": "2016-05-01"}
        assert (await owner.post("/owner/units/new", {**draft, "action": "save"})).status_code == 303
        unit = (await my_units(owner))[0]
        assert unit["letting_banned_from"] == "2034-01-01" and unit["dpe_valid_until"] == "2022-12-31"
        assert unit["withdrawal"] is None
        page = await owner.get(f"/owner/units/{unit['id']}")
        assert "Classe E : cette classe ne pourra plus être louée à partir du 1 janvier 2034" in page.text
        assert "repassé en brouillon" not in page.text

        async def left(reason: str, rules: list[str], at: str) -> str:
            """The unit as listings' sweep leaves it (a draft that was published, its withdrawal kept), its page in English."""
            await execute_sql(
                "listings",
                "UPDATE units SET published_at = now(), withdrawal_reason = :r, withdrawal_rules = :rules,"
                " withdrawn_at = :at WHERE id = :u",
                u=unit["id"], r=reason, rules=rules, at=datetime.fromisoformat(at),
            )  # fmt: skip
            return (await owner.get(f"/owner/units/{unit['id']}", params={"lang": "en"})).text

        back = await left("dpe_expired", ["dpe_validity"], "2027-03-01T23:30:00Z")  # 2 March in Montpellier
        assert "This unit went back to draft" in back and "On March 2, 2027, its energy diagnosis was no longer valid" in back
        assert "The rule that refused it:" in back and "The validity of its energy diagnosis" in back
        rules = await left("rules", ["commune_merged", "postal_code_mismatch", "a_rule_of_next_year"], "2027-03-01T10:00:00Z")
        assert "On March 1, 2027, publishing rules no longer accepted it" in rules
        assert "The rules that refused it:" in rules and "A commune that still exists (not merged into another)" in rules
        assert "The commune&#39;s postal code" in rules and "a_rule_of_next_year" in rules  # a rule without words: its id
        french = await owner.get(f"/owner/units/{unit['id']}", params={"lang": "fr"})
        assert "Le 1 mars 2027, des règles de publication ne l'acceptaient plus" in html.unescape(french.text)
        assert "Le code postal de la commune" in french.text
        banned = await left("letting_ban", ["energy_letting_ban"], "2027-03-01T10:00:00Z")
        assert "On March 1, 2027, homes of its energy class could no longer be let" in banned

        forget = "UPDATE units SET withdrawal_reason = NULL, withdrawal_rules = NULL, withdrawn_at = NULL WHERE id = :u"
        await execute_sql("listings", forget, u=unit["id"])  # a draft that was published, without listings' reason: no guess
        silent = await owner.get(f"/owner/units/{unit['id']}", params={"lang": "en"})
        assert silent.status_code == 200 and "went back to draft" not in silent.text and "expired" not in silent.text
    finally:
        await owner.aclose()


async def test_a_form_with_bad_values_answers_422_and_creates_nothing(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        answer = await owner.post("/owner/units/new", {**FORM, "floor": "", "rent_cents": "quatre cents", "schemes": []})
        assert answer.status_code == 422
        for field in ("floor", "rent_cents", "schemes"):
            assert f"{field}-" in answer.text
        assert 'aria-invalid="true" aria-describedby="rent_cents-error"' in answer.text
        assert "3 champs demandent votre attention" in answer.text
        summary = re.findall(r'<li><a href="#([a-z_]+)">([^<]*)</a>', answer.text)  # in the form's order, each named by its label
        assert summary == [
            ("floor", "Étage : saisissez un nombre."),
            ("rent_cents", "Loyer hors charges (€ par mois) : saisissez un montant en euros, par exemple 450 ou 450,50."),
            ("schemes", "Mode de location : choisissez au moins un mode de location."),
        ], summary
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
        unit = (await owner.api("POST", "/listings/v1/units", json={**DRAFT, "schemes": ["direct_lease"]})).json()
        assert (await owner.api("POST", f"/listings/v1/units/{unit['id']}/publish", headers={"if-match": '"1"'})).status_code == 200
        created = await worker.api("POST", "/matching/v1/households", json=household(unique("W")))
        assert created.status_code == 201, created.text
        proposal = {"household_id": created.json()["id"], "unit_id": unit["id"], "scheme": "direct_lease"}  # a scheme that describes it

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

        everything = await owner.get("/owner/proposals")  # with nothing to answer, the page shows every proposal
        assert placement_id in everything.text and 'href="/owner/proposals?show=all" aria-current="page">Toutes (1)</a>' in everything.text
        to_answer = await owner.get("/owner/proposals", params={"show": "to_answer"})
        assert "Aucune proposition n'attend votre réponse." in to_answer.text and placement_id not in to_answer.text
        assert 'href="/owner/proposals?show=to_answer" aria-current="page">À traiter (0)</a>' in to_answer.text
        assert 'href="/owner/proposals?show=accepted">Acceptées (1)</a>' in to_answer.text
        accepted_tab = await owner.get("/owner/proposals", params={"show": "accepted", "lang": "en"})
        assert placement_id in accepted_tab.text and 'aria-current="page">Accepted by you (1)</a>' in accepted_tab.text
        assert "Declined or ended (0)" in accepted_tab.text and "All (1)" in accepted_tab.text
        ended = await owner.get("/owner/proposals", params={"show": "ended"})
        assert placement_id not in ended.text and "Aucune proposition ici." in ended.text
        assert (await owner.get("/owner/proposals", params={"show": "pending"})).status_code == 422  # no such filter
    finally:
        await owner.aclose()
        await worker.aclose()


async def test_the_visa_check_answers_unknown_for_a_made_up_number(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        moved = await owner.get("/owner/visa-check")
        assert moved.status_code == 303 and moved.headers["location"] == "/visa-check"  # the public page, as the PDF's link
        page = await owner.post("/owner/visa-check", {"number": "ABRI-0000-0000-0000", "name": "Personne Inconnue"})
        assert page.status_code == 200 and "Inconnu" in page.text
        assert "Personne Inconnue" not in page.text  # the name is not shown back
        empty = await owner.post("/owner/visa-check", {"number": "", "name": ""})
        assert empty.status_code == 422 and 'id="number-error"' in empty.text and 'id="name-error"' in empty.text
    finally:
        await owner.aclose()


async def test_the_public_visa_check_refuses_a_form_without_its_length_or_too_large(stack: Stack) -> None:
    async def in_chunks() -> AsyncIterator[bytes]:  # no Content-Length: no browser sends a form so
        yield b"number=ABRI-0000-0000-0000&name="
        yield b"x" * 100

    form = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
    async with stack.anonymous() as client:
        unsized = await client.post("/visa-check", content=in_chunks(), headers=form)
        assert unsized.status_code == 411 and unsized.headers["content-type"].startswith("text/html"), unsized.text
        large = await client.post("/visa-check", content=b"number=1&name=" + b"x" * (FORM_LIMIT + 1), headers=form)
        assert large.status_code == 413, large.text
        fine = await client.post("/visa-check", content=b"number=ABRI-0000-0000-0000&name=Personne+Inconnue", headers=form)
        assert fine.status_code == 200 and "Inconnu" in fine.text


async def test_the_guarantees_page_lists_none_for_a_new_owner(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        page = await owner.get("/owner/guarantees", params={"lang": "ar"})
        assert page.status_code == 200 and 'dir="rtl"' in page.text and "ضماناتي" in page.text
    finally:
        await owner.aclose()


async def test_the_owner_gives_the_main_energy_and_the_unit_page_shows_the_estimated_bill_in_each_language(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        gas = {**FORM, "living_area_m2": "60", "final_energy_kwh": "250", "main_energy": "natural_gas", "action": "save"}
        answer = await owner.post("/owner/units/new", gas)
        assert answer.status_code == 303, answer.text
        [unit] = await my_units(owner)
        assert unit["main_energy"] == "natural_gas" and unit["energy_cost"]["monthly_cents"] == 13_377
        french = html.unescape((await owner.get(f"/owner/units/{unit['id']}", params={"lang": "fr"})).text)
        assert "Facture d'énergie estimée" in french
        assert re.search(r"Environ 133,77\s€ par mois \(de 113,00\s€ à 154,00\s€\) pour : Gaz naturel", french), french[
            french.find("Facture") :
        ][:400]
        assert "Gaz naturel" in french
        english = html.unescape((await owner.get(f"/owner/units/{unit['id']}", params={"lang": "en"})).text)
        assert (
            "About €133.77 a month (€113.00 to €154.00) for Natural gas, by the energy diagnosis's method and its current prices."
            in html.unescape(english)
        )
        for code, word in (("ar", "فاتورة الطاقة المقدّرة"), ("uk", "Орієнтовний рахунок за енергію")):
            assert word in (await owner.get(f"/owner/units/{unit['id']}", params={"lang": code})).text

        cleared = await owner.post(f"/owner/units/{unit['id']}", {**gas, "main_energy": ""})
        assert cleared.status_code == 303, cleared.text
        [unit] = await my_units(owner)
        assert unit["main_energy"] is None and unit["energy_cost"] is None
        assert (
            "Not estimated: give the main energy of the diagnosis."
            in (await owner.get(f"/owner/units/{unit['id']}", params={"lang": "en"})).text
        )

        forged = await owner.post("/owner/units/new", {**gas, "main_energy": "nuclear"})
        assert forged.status_code == 422 and "main_energy-error" in forged.text
        assert len(await my_units(owner)) == 1
    finally:
        await owner.aclose()


async def test_the_owner_of_an_f_home_sees_what_the_ban_means_and_the_aids_and_a_d_home_sees_none(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        f_home = {
            **FORM,
            "energy_class": "F",
            "primary_energy_kwh": "400",
            "emissions_kg": "80",
            "final_energy_kwh": "300",
            "action": "save",
        }
        assert (await owner.post("/owner/units/new", f_home)).status_code == 303
        [unit] = await my_units(owner)
        assert unit["letting_banned_from"] == "2028-01-01"
        french = html.unescape((await owner.get(f"/owner/units/{unit['id']}", params={"lang": "fr"})).text)
        assert "Rénover ce logement" in french
        assert "À partir du 1 janvier 2028, aucun nouveau bail ne pourra être signé ni renouvelé" in french
        assert "son loyer ne peut pas être augmenté" in french
        for link in ("france-renov.gouv.fr/aides/maprimerenov-renovation-ampleur", "service-public.fr/particuliers/vosdroits/F19905"):
            assert link in french
        assert "MaPrimeRénov' rénovation d'ampleur (Anah)" in french and "Conseillers France Rénov'" in french
        english = (await owner.get(f"/owner/units/{unit['id']}", params={"lang": "en"})).text
        assert "Renovating this home" in english and "Zero-rate eco-loan" in english
        for code, word in (("ar", "تجديد هذا المسكن"), ("uk", "Реновація цього житла")):
            assert word in (await owner.get(f"/owner/units/{unit['id']}", params={"lang": code})).text

        assert (await owner.post("/owner/units/new", {**FORM, "action": "save"})).status_code == 303  # class D
        d_home = next(u for u in await my_units(owner) if u["energy_class"] == "D")
        assert "Renovating this home" not in (await owner.get(f"/owner/units/{d_home['id']}", params={"lang": "en"})).text
    finally:
        await owner.aclose()
