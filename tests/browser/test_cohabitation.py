"""Intergenerational cohabitation in the browser, on a 360 px wide phone: the host declares, on the unit form,
being 60 or over and a tenant who informed the landlord, and publishes a room of their home; the association
registers a young person seeking a cohabitation, proposes them for the room, the host accepts, and the
association records the contract with its small services; the contract's PDF is linked for both. The forms
and pages involved have no serious or critical axe finding in the four languages, and none scrolls sideways."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Live
from tests.browser.support import sign_in
from tests.browser.test_shared_homes import PHONE, problems_on, tick
from tests.support import born_years_ago
from tests.web.test_pages_association import place, today

pytestmark = pytest.mark.browser


async def test_a_host_lets_a_room_to_a_young_person_on_a_phone_and_both_get_the_contract(live: Live) -> None:
    where = place()
    street = f"{uuid.uuid4().hex[:6]} rue des Générations"
    owner = await sign_in(live.browser, live.url, "owner1", live.password("owner1"), viewport=PHONE, bypass_csp=True)
    worker = await sign_in(live.browser, live.url, "sw1", live.password("sw1"), viewport=PHONE, bypass_csp=True)
    try:
        page = owner.page
        await page.goto("/owner/units/new")
        for field, value in {
            "street": street, "commune": f"{where['commune']} ({where['postal_code']})", "rooms": "1", "living_area_m2": "12",
            "ceiling_height_m": "2,5", "floor": "3", "rent_cents": "200", "charges_cents": "30", "deposit_cents": "0",
            "primary_energy_kwh": "300", "emissions_kg": "40", "dpe_date": "2024-03-01", "available_from": today(),
        }.items():  # fmt: skip
            await page.fill(f"#{field}", value)
        await page.select_option("#kind", "room")
        await page.select_option("#energy_class", "D")  # 300 kWh and 40 kg on 12 m²
        await tick(page, "schemes-intergenerational_cohabitation")
        await tick(page, "host_aged_60_or_over")
        await tick(page, "host_occupancy-tenant")
        await page.fill("#host_landlord_informed_on", "2026-11-01")
        await page.click("button[value=publish]")
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        unit_path = page.url.removeprefix(live.url).split("?")[0]
        unit_id = unit_path.rsplit("/", 1)[-1]

        page = worker.page
        await page.goto("/association/households/new")
        reference = f"C-{uuid.uuid4().hex[:6]}"
        for field, value in {
            "reference": reference, "adults": "1", "children": "0", "resources": "900", "housing_benefit": "150",
            "registered_since": "2026-03-01", "min_bedrooms": "1", "communes": where["insee_code"], "first_name": "Léa",
            "last_name": "Martin", "birth_date": born_years_ago(24), "phone": "06 12 34 56 78", "email": "lea.m@example.org",
        }.items():  # fmt: skip
            await page.fill(f"#{field}", value)
        await tick(page, "consents-matching")
        await tick(page, "consents-share_with_owner_after_acceptance")
        await tick(page, "cohabitation")
        await page.click("form[action='/association/households/new'] > button[type=submit]")
        await page.wait_for_url("**/association/households/*")
        household_id = page.url.rsplit("/", 1)[-1].split("?")[0]

        propose = page.locator(f"form[action='/association/propose']:has(input[name=household_id][value='{household_id}'])")
        for _ in range(60):  # matching learns the room through Kafka, and ranks the young person for it
            await page.goto(f"/association/units/{unit_id}?commune={where['insee_code']}")  # as the search links it: its schemes
            if await propose.count():
                break
            await page.wait_for_timeout(1500)
        await propose.locator("button[type=submit]").click()
        await page.wait_for_url("**/association/placements/*")
        placement_path = page.url.removeprefix(live.url).split("?")[0]

        await owner.page.goto("/owner/proposals")
        card = owner.page.locator("section", has_text=street)
        await card.locator("form[action$='/accept'] button").click()
        await expect(owner.page.locator(".fr-alert--success")).to_be_visible()

        await page.goto(placement_path)
        found = await problems_on(page, [placement_path])  # the contract's form, before it is recorded
        lease = page.locator(f"form[action='{placement_path}/lease']")
        await page.goto(f"{placement_path}?lang=fr")
        await lease.locator("#signed_on").fill(today())
        await lease.locator("#starts_on").fill(today())
        await lease.locator("#lease_type").select_option("cohabitation")
        await lease.locator("#ends_on").fill((date.fromisoformat(today()) + timedelta(days=270)).isoformat())
        await lease.locator("#services").fill("Faire les courses le samedi\nDîner ensemble le dimanche")
        await lease.locator("button[type=submit]").click()
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        contract = f"/cohabitation/placements/{placement_path.rsplit('/', 1)[-1]}/contract.pdf"
        await expect(page.locator(f"a[href='{contract}']")).to_be_visible()
        document = await page.request.get(f"{contract}?lang=ar")
        assert document.status == 200 and (await document.body()).startswith(b"%PDF-")
        await owner.page.goto("/owner/proposals")
        await expect(owner.page.locator(f"a[href='{contract}']")).to_be_visible()

        found += await problems_on(page, [placement_path, "/association/households/new", f"/association/households/{household_id}/edit"])
        found += await problems_on(owner.page, [unit_path, "/owner/proposals"])
        assert found == [], "\n".join(found)
        assert owner.csp_violations == [] and worker.csp_violations == []
    finally:
        await owner.context.close()
        await worker.context.close()
