"""Intergenerational cohabitation through the web front and the real services: the host declares, on the unit
form, being 60 or over and a tenant who informed the landlord, and publishes the room; a declaration missing
is refused next to its field in the reader's language. The association registers a young person seeking a
cohabitation (the birth date required), proposes the room, records the contract with its small services, and
the contract's PDF is there for the association, the host and the young person, for no one else."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from abri_kit.calendar import day_in_france
from tests.matching.invitations import link_in_browsers
from tests.support import born_years_ago
from tests.web.support import Stack
from tests.web.test_pages_association import field_error, household_form, known_to_matching, place, register, unique_code
from tests.web.test_pages_owner import FORM, my_units

pytestmark = pytest.mark.timeout(600)


def room_form(where: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The unit form of a host's room offered for intergenerational cohabitation, in the commune of ``where``."""
    return {
        **FORM, "commune": f"{where['commune']} ({where['postal_code']})", "kind": "room", "rooms": "1", "living_area_m2": "12",
        "rent_cents": "200", "charges_cents": "30", "deposit_cents": "0", "schemes": ["intergenerational_cohabitation"],
        "energy_class": "F", "primary_energy_kwh": "400", "emissions_kg": "90", "final_energy_kwh": "380",
        "host_aged_60_or_over": "on", "host_occupancy": "tenant", "host_landlord_informed_on": "2026-11-01",
        "available_from": day_in_france(datetime.now(UTC)).isoformat(), **changes,
    }  # fmt: skip


async def test_a_host_offers_a_room_from_the_unit_form_and_a_missing_declaration_is_refused_next_to_its_field(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        where = place()
        no_occupancy = {key: value for key, value in room_form(where).items() if key != "host_occupancy"}
        refused = await owner.post("/owner/units/new?lang=fr", {**no_occupancy, "action": "publish"})
        assert refused.status_code == 422
        assert "Indiquez si vous êtes propriétaire ou locataire du logement." in html.unescape(field_error(refused.text, "host_occupancy"))
        assert await my_units(owner) == []  # nothing saved

        younger = {key: value for key, value in room_form(where).items() if key != "host_aged_60_or_over"}
        draft = await owner.post("/owner/units/new?lang=fr", {**younger, "action": "publish"})
        assert draft.status_code == 422  # saved as a draft, listings' rule next to the declaration
        assert "60 ans ou plus" in html.unescape(re.sub(r"\s+", " ", draft.text)) and "L631-17" in draft.text
        [unit] = await my_units(owner)
        assert unit["status"] == "draft" and unit["host"] == {
            "aged_60_or_over": False,
            "occupancy": "tenant",
            "landlord_informed_on": "2026-11-01",
        }

        shown = await owner.get(f"/owner/units/{unit['id']}", params={"lang": "en"})
        assert re.search(r'id="host_occupancy-tenant"[^>]*checked', shown.text) and 'value="2026-11-01"' in shown.text
        published = await owner.post(
            f"/owner/units/{unit['id']}?lang=fr", {**room_form(where), "action": "publish", "version": str(unit["version"])}
        )
        assert published.status_code == 303, published.text
        [unit] = await my_units(owner)
        assert unit["status"] == "published" and unit["host"]["aged_60_or_over"] is True and unit["letting_banned_from"] is None
        for language in ("fr", "en", "ar", "uk"):
            assert (await owner.get(f"/owner/units/{unit['id']}", params={"lang": language})).status_code == 200
    finally:
        await owner.aclose()


async def test_an_association_places_a_young_person_and_the_parties_download_the_contract(stack: Stack) -> None:
    worker, owner, other = stack.browser("social_worker"), stack.browser("owner"), stack.browser("social_worker")
    person = stack.browser("household", org_id=worker.org_id)
    try:
        where = place()
        created = await owner.post("/owner/units/new", {**room_form(where), "action": "publish"})
        assert created.status_code == 303, created.text
        room_id = created.headers["location"].rsplit("/", 1)[-1]
        young: dict[str, Any] = {"adults": "1", "children": "0", "min_bedrooms": "1", "priority_situations": [], "cohabitation": "on"}
        no_birth_date = await worker.post(
            "/association/households/new?lang=fr", household_form(unique_code(), commune=where["insee_code"], **young, birth_date="")
        )
        assert no_birth_date.status_code == 422
        assert "moins de 30 ans" in html.unescape(field_error(no_birth_date.text, "birth_date"))
        household_id = await register(worker, commune=where["insee_code"], **young, birth_date=born_years_ago(24))
        record = (await worker.api("GET", f"/matching/v1/households/{household_id}")).json()
        assert record["cohabitation"]["until"] > born_years_ago(0)  # the last day under 30, not the birth date
        edit = await worker.get(f"/association/households/{household_id}/edit")
        assert re.search(r'id="cohabitation"[^>]*checked', edit.text)
        await link_in_browsers(worker, person, household_id)

        await known_to_matching(worker, room_id)
        proposal = {"household_id": household_id, "unit_id": room_id, "scheme": "intergenerational_cohabitation"}
        answer = await worker.post("/association/propose", proposal)
        assert answer.status_code == 303, answer.text
        placement_id = answer.headers["location"].rsplit("/", 1)[-1]
        accepted = await owner.api("POST", f"/matching/v1/placements/{placement_id}/accept", json={})
        assert accepted.json()["status"] == "accepted", accepted.text
        link = f"/cohabitation/placements/{placement_id}/contract.pdf"
        early = await worker.get(link, params={"lang": "fr"})
        assert early.status_code == 409 and "Aucun contrat de cohabitation" in html.unescape(early.text)  # none recorded yet

        today = day_in_france(datetime.now(UTC))
        contract = {"signed_on": today.isoformat(), "starts_on": today.isoformat(), "lease_type": "cohabitation", "rent": "", "charges": ""}
        lease = f"/association/placements/{placement_id}/lease"
        no_end = await worker.post(f"{lease}?lang=fr", contract)
        assert no_end.status_code == 422 and field_error(no_end.text, "ends_on")
        too_long = await worker.post(lease, {**contract, "ends_on": (today + timedelta(days=200)).isoformat(), "services": "x" * 201})
        assert too_long.status_code == 422 and field_error(too_long.text, "services")
        assert (await worker.api("GET", f"/matching/v1/placements/{placement_id}")).json()["status"] == "accepted"
        services = "Faire les courses le samedi\r\n\r\n  Dîner ensemble le dimanche  \r\n"
        signed = await worker.post(lease, {**contract, "ends_on": (today + timedelta(days=200)).isoformat(), "services": services})
        assert signed.status_code == 303, signed.text
        placement = (await worker.api("GET", f"/matching/v1/placements/{placement_id}")).json()
        assert placement["lease_type"] == "cohabitation"
        assert placement["agreement_services"] == ["Faire les courses le samedi", "Dîner ensemble le dimanche"]

        for browser, page in ((worker, f"/association/placements/{placement_id}"), (owner, "/owner/proposals"), (person, "/household")):
            assert link in (await browser.get(page)).text, page
            document = await browser.get(link, params={"lang": "uk"})
            assert document.status_code == 200 and document.content.startswith(b"%PDF-"), page
        assert (await other.get(link)).status_code == 404  # another association's worker
    finally:
        for browser in (worker, owner, other, person):
            await browser.aclose()
