"""Intergenerational cohabitation end to end, listings and matching running with their relays and consumers on the
real broker: a host of 60 or over offers a room of their home; matching ranks only one person under 30 for it
(a couple and a person of 30 never); the contract is recorded as the placement's lease (its duration, its small
services; no renewal) and written as a tagged PDF with its charter, in the reader's language."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pypdf
import pytest

from tests.guarantees.visa_pdf_reading import verapdf_ua1
from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household, unique
from tests.matching.test_journey_with_listings import bearer, eventually
from tests.matching.test_journey_with_listings import services as services
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import born_years_ago

pytestmark = pytest.mark.timeout(180)
ROOM: dict[str, Any] = {
    **DRAFT,
    "commune": "Cahors", "postal_code": "46000", "insee_code": "46042", "departement": "46", "latitude": 44.447, "longitude": 1.441,
    "kind": "room", "rooms": 1, "living_area_m2": 12.0, "furnished": True, "rent_cents": 20_000, "charges_cents": 3_000,
    "deposit_cents": 0, "schemes": ["intergenerational_cohabitation"], "energy_class": "G", "primary_energy_kwh": 500.0,
    "emissions_kg": 120.0, "final_energy_kwh": 460.0,
    "host": {"aged_60_or_over": True, "occupancy": "tenant", "landlord_informed_on": "2026-11-01"},
}  # fmt: skip


async def test_a_host_of_60_lets_a_room_to_one_person_under_30_under_a_contract_that_is_not_a_lease(
    services: tuple[httpx.AsyncClient, httpx.AsyncClient], issuer: TestIssuer, tmp_path: Path
) -> None:
    listings, matching = services
    org = f"assoc-cohab-{unique('o')}"
    host, worker = bearer(issuer, unique("host"), "owner"), bearer(issuer, unique("sw-cohab"), "social_worker", org)
    room = (await listings.post("/v1/units", json=ROOM, headers=host)).json()
    assert room["host"]["occupancy"] == "tenant" and room["letting_banned_from"] is None  # no lease: no letting ban
    published = await listings.post(f"/v1/units/{room['id']}/publish", headers={**host, "if-match": '"1"'})
    assert published.status_code == 200, published.text  # class G: loi 89-462's letting bans do not apply
    refused = await listings.post("/v1/units", json={**ROOM, "host": {**ROOM["host"], "aged_60_or_over": False}}, headers=host)
    unpublishable = await listings.post(f"/v1/units/{refused.json()['id']}/publish", headers={**host, "if-match": '"1"'})
    assert [e["rule"] for e in unpublishable.json()["errors"]] == ["cohabitation_host_age"]

    wanted = {"wanted": {"communes": ["46042"]}, "needs": {"min_bedrooms": 1}, "adults": 1, "children": 0, "priority_situations": []}
    birth_date = date.fromisoformat(born_years_ago(24))
    young = await matching.post(
        "/v1/households", json={**household(unique("Y")), **wanted, "cohabitation": {"birth_date": birth_date.isoformat()}}, headers=worker
    )
    assert young.status_code == 201, young.text
    thirtieth_birthday = birth_date.replace(year=birth_date.year + 30)  # born_years_ago never gives a 29 February
    assert young.json()["cohabitation"] == {"until": (thirtieth_birthday - timedelta(days=1)).isoformat()}  # not the birth date
    thirty = await matching.post(
        "/v1/households", json={**household(unique("T")), **wanted, "cohabitation": {"birth_date": born_years_ago(30)}}, headers=worker
    )
    couple = await matching.post(
        "/v1/households",
        json={**household(unique("C")), **wanted, "adults": 2, "cohabitation": {"birth_date": born_years_ago(22)}},
        headers=worker,
    )
    future = await matching.post(
        "/v1/households", json={**household(unique("F")), **wanted, "cohabitation": {"birth_date": "2099-01-01"}}, headers=worker
    )
    assert future.status_code == 422  # a birth date in the future: nothing registered

    async def candidates() -> set[str]:
        answer = await matching.get(f"/v1/units/{room['id']}/candidates", headers=worker)
        return {c["household"]["household_id"] for c in answer.json()} if answer.status_code == 200 else set()

    await eventually(candidates, {young.json()["id"]}, "matching ranks only the young person for the room")
    for other in (thirty, couple):
        proposed = await matching.post(
            "/v1/placements", json={"household_id": other.json()["id"], "unit_id": room["id"], "scheme": "intergenerational_cohabitation"},
            headers=worker,
        )  # fmt: skip
        assert proposed.status_code == 422 and "cohabitation_age" in {e["rule"] for e in proposed.json()["errors"]}

    body = {"household_id": young.json()["id"], "unit_id": room["id"], "scheme": "intergenerational_cohabitation"}
    placement = (await matching.post("/v1/placements", json=body, headers=worker)).json()
    assert (await matching.post(f"/v1/placements/{placement['id']}/accept", json={}, headers=host)).json()["status"] == "accepted"
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    contract = {"signed_on": today.isoformat(), "starts_on": today.isoformat(), "lease_type": "cohabitation"}
    no_end = await matching.post(f"/v1/placements/{placement['id']}/lease", json=contract, headers=worker)
    assert [e["rule"] for e in no_end.json()["errors"]] == ["cohabitation_duration_required"]
    services_agreed = ["Faire les courses le samedi", "Dîner ensemble le dimanche"]
    ends_on = (today + timedelta(days=180)).isoformat()
    signed = await matching.post(
        f"/v1/placements/{placement['id']}/lease", json={**contract, "ends_on": ends_on, "services": services_agreed}, headers=worker
    )
    assert signed.status_code == 200, signed.text
    recorded = signed.json()
    assert (recorded["lease_type"], recorded["lease_term_ends_on"], recorded["agreement_services"]) == (
        "cohabitation",
        ends_on,
        services_agreed,
    )
    renewal = await matching.post(f"/v1/placements/{placement['id']}/renewals", json={"renews_on": ends_on}, headers=worker)
    assert renewal.status_code == 409  # not a lease: its parties agree a new contract

    files = []
    for language, says in (("fr", "Contrat de cohabitation intergénérationnelle solidaire"), ("ar", "السكن المشترك")):
        answer = await matching.get(f"/v1/placements/{placement['id']}/cohabitation-contract", params={"lang": language}, headers=worker)
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(answer.content)).pages)
        assert "Dîner ensemble le dimanche" in text and "Quennehen" in text  # the services agreed; the young person's name
        assert says in text or language == "ar"  # Arabic's shaped letters do not extract as typed
        assert "230,00" in text or "230.00" in text or language == "ar"  # the counterpart recorded with the contract
        files.append(tmp_path / f"contract-{language}.pdf")
        files[-1].write_bytes(answer.content)
    assert verapdf_ua1(files) == {str(path): [] for path in files}
    hosts_copy = await matching.get(f"/v1/placements/{placement['id']}/cohabitation-contract", headers=host)
    assert hosts_copy.status_code == 200  # the host's copy leaves the names to write
    host_text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(hosts_copy.content)).pages)
    assert "Quennehen" not in host_text and "Dîner ensemble le dimanche" in host_text
    stranger = bearer(issuer, unique("owner-x"), "owner")
    assert (await matching.get(f"/v1/placements/{placement['id']}/cohabitation-contract", headers=stranger)).status_code == 404
