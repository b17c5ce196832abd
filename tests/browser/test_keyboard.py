"""Keyboard only: an owner creates and publishes a unit without touching the mouse, and sees where
the focus is at every step."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import Live
from tests.browser.support import sign_in

pytestmark = pytest.mark.browser
MAX_TABS = 120


async def tab_to(page: Page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus (bounded), checking that the focus is visible."""
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            outline = await page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("none", ""), f"the focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


async def type_into(page: Page, selector: str, text: str) -> None:
    await tab_to(page, selector)
    await page.keyboard.type(text)


async def test_an_owner_creates_and_publishes_a_unit_with_the_keyboard_alone(live: Live) -> None:
    owner = await sign_in(live.browser, live.url, "owner1", live.password("owner1"))
    page = owner.page
    street = f"{uuid.uuid4().hex[:6]} rue du Clavier"
    try:
        await page.goto("/")
        await tab_to(page, "a[href='/owner/units']")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/owner/units")
        await tab_to(page, "a[href='/owner/units/new']")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/owner/units/new")
        for selector, text in (
            ("#street", street),
            ("#commune", "Montpellier (34000)"),  # as the suggestion list writes it: its postal code with it
        ):
            await type_into(page, selector, text)
        await tab_to(page, "#kind")
        await page.keyboard.type("Appartement")
        for selector, text in (("#rooms", "2"), ("#living_area_m2", "40"), ("#ceiling_height_m", "2,5"), ("#floor", "1")):
            await type_into(page, selector, text)
        for selector, text in (("#rent_cents", "400"), ("#charges_cents", "50"), ("#deposit_cents", "400")):
            await type_into(page, selector, text)
        await tab_to(page, "#energy_class")
        await page.keyboard.type("D")
        for selector, text in (("#primary_energy_kwh", "200"), ("#emissions_kg", "40")):
            await type_into(page, selector, text)
        await type_into(page, "#dpe_date", "01032024")
        await tab_to(page, "#schemes-intermediated_letting")
        await page.keyboard.press("Space")
        await type_into(page, "#available_from", "01012027")
        await page.wait_for_load_state("networkidle")  # the commune's suggestions and any late script done
        await tab_to(page, "button[value=publish]")
        await page.keyboard.press("Enter")
        try:
            await page.wait_for_selector(".fr-alert--success")
        except PlaywrightTimeout:  # say what the page shows instead (CI once saw the unit's page without it)
            raise AssertionError(f"no success alert at {page.url}: {await page.inner_text('main')}") from None
        assert "Le logement est publié" in await page.inner_text("main")
        await page.goto("/owner/units")
        row = page.locator("tr", has_text=street)
        for _ in range(40):  # oldest first: owner1's units of other tests and runs come first
            if await row.count() or not await page.locator("a", has_text="Page suivante").count():
                break
            await page.locator("a", has_text="Page suivante").click()
            await page.wait_for_load_state()
        assert "publié" in (await row.inner_text()).lower()
        assert owner.csp_violations == []
    finally:
        await owner.context.close()
