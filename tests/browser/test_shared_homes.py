"""A shared home let room by room, in the browser: the owner, on a 360 px wide phone, creates the home (its shared
spaces, lease form and house rules) and publishes a room; the association finds it among rooms in smoke-free
homes. Every page involved has no serious or critical axe finding in the four languages, and none scrolls
sideways on the phone."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page

from tests.browser.conftest import Live
from tests.browser.support import axe_violations, describe, sign_in

pytestmark = pytest.mark.browser
LANGUAGES = ("fr", "en", "ar", "uk")
PHONE = {"width": 360, "height": 740}


async def tick(page: Page, box: str) -> None:
    """Tick a checkbox or a radio as a person does: on its label (the DSFR's label covers the box)."""
    if not await page.is_checked(f"#{box}"):
        await page.click(f"label[for='{box}']")
    assert await page.is_checked(f"#{box}")


async def problems_on(page: Page, paths: list[str]) -> list[str]:
    """axe's serious findings and sideways scrolling of each page, in each language."""
    found = []
    for path in paths:
        for language in LANGUAGES:
            response = await page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
            assert response is not None and response.status < 400, f"{path} answered {response.status if response else None}"
            violations = await axe_violations(page)
            if violations:
                found.append(f"{path} [{language}]: {describe(violations)}")
            overflow = await page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 1:
                found.append(f"{path} [{language}] scrolls sideways by {overflow} px at 360 px")
    return found


async def test_an_owner_lets_a_home_room_by_room_on_a_phone_and_an_association_finds_the_room(live: Live) -> None:
    owner = await sign_in(live.browser, live.url, "owner1", live.password("owner1"), viewport=PHONE, bypass_csp=True)
    street = f"{uuid.uuid4().hex[:6]} rue de la Colocation"
    page = owner.page
    try:
        await page.goto("/owner/units")
        await page.click("a[href='/owner/shared-homes']")
        await page.click("a[href='/owner/shared-homes/new']")
        await page.fill("#street", street)
        await page.fill("#commune", "Montpellier (34000)")
        await page.select_option("#kind", "apartment")
        for selector, value in (("#rooms", "4"), ("#living_area_m2", "70"), ("#floor", "2")):
            await page.fill(selector, value)
        for kind, area in (("kitchen", "10"), ("living_room", "15"), ("bathroom", "4"), ("wc", "1")):
            await page.fill(f"#space_{kind}", area)
        await tick(page, "lease_form-individual")
        await tick(page, "smoke_free")
        await page.fill("#quiet_start", "22:00")
        await page.fill("#quiet_until", "07:00")
        await page.select_option("#energy_class", "D")
        for selector, value in (("#primary_energy_kwh", "200"), ("#emissions_kg", "36"), ("#dpe_date", "2024-03-01")):
            await page.fill(selector, value)
        await tick(page, "schemes-intermediated_letting")
        await page.wait_for_load_state("networkidle")
        async with page.expect_navigation():
            await page.click("#home-form button[type=submit]")
        assert "/owner/shared-homes/" in page.url, await page.inner_text("main")
        home_path = page.url.removeprefix(live.url).split("?")[0]

        await page.click(f"a[href='{home_path}/rooms/new']")
        for selector, value in (
            ("#label", "Chambre 1"), ("#living_area_m2", "12"), ("#ceiling_height_m", "2,5"), ("#occupants_max", "1"),
            ("#rent_cents", "350"), ("#charges_cents", "50"), ("#deposit_cents", "350"), ("#available_from", "2027-01-01"),
        ):  # fmt: skip
            await page.fill(selector, value)
        async with page.expect_navigation():
            await page.click("#room-form button[value=publish]")
        assert "La chambre est publiée" in await page.inner_text("main"), await page.inner_text("main")
        room_path = page.url.removeprefix(live.url).split("?")[0]
        found = await problems_on(page, ["/owner/shared-homes", "/owner/shared-homes/new", home_path, room_path, f"{home_path}/rooms/new"])
        assert found == [], "\n".join(found)
        assert owner.csp_violations == []
    finally:
        await owner.context.close()

    worker = await sign_in(live.browser, live.url, "sw1", live.password("sw1"), viewport=PHONE, bypass_csp=True)
    try:
        search = "/association/units?home=room&house_rules=smoke_free&sort=newest"
        await worker.page.goto(f"{search}&lang=fr")
        results = await worker.page.inner_text("#results")
        assert "Une chambre en colocation" in results and "Logement non-fumeur" in results, results
        found = await problems_on(worker.page, [search])
        assert found == [], "\n".join(found)
    finally:
        await worker.context.close()
