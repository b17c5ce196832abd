"""axe-core on every page of each role, in the four languages: no serious or critical violation of
WCAG 2.1 A/AA; and the pages used at 360 px wide, without horizontal scrolling."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page

from tests.browser.conftest import Live
from tests.browser.support import Person, axe_violations, describe, sign_in

pytestmark = pytest.mark.browser
LANGUAGES = ("fr", "en", "ar", "uk")
PUBLIC_PAGES = ("/", "/accessibility", "/privacy", "/visa-check", "/insights")
EVERYONE = ("/", "/inbox", "/preferences")
ROLE_PAGES = {
    "owner1": ("/owner/units", "/owner/units/new", "/owner/proposals", "/owner/guarantees", "/owner/visa-check", "/assistant"),
    "sw1": (
        "/association/households",
        "/association/households/new",
        "/association/units",
        "/association/suggestions",
        "/association/placements",
        "/association/files",
        "/association/conversations",
        "/association/insights",
        "/assistant",
    ),
    "agent1": ("/fund/files", "/fund/files?show=all", "/fund/claims", "/fund/insights", "/assistant"),
    "household1": ("/household", "/assistant", "/insights"),
    "ops1": ("/ops",),
}
DETAILS = re.compile(
    r"^/(owner/units|association/(households|placements|files|conversations)|fund/files|assistant/conversations)/[0-9a-f-]{36}$"
)
"""Detail pages, checked through the first link of each list (the journey, which runs first, made some)."""


FORMS_WITH_ERRORS = {
    "owner1": (("/owner/units/new", "button[value=save]"),),
    "sw1": (("/association/households/new", "form[action='/association/households/new'] > button[type=submit]"),),
}


URGENT = "Le propriétaire a changé les serrures, je n'ai nulle part où dormir ce soir avec mes enfants"


async def a_conversation(person: Person) -> str:
    """A conversation of the person's own, asked an urgent question through the pages (its reply shows the
    emergency numbers, its source and the forms): its page's path, checked like the others."""
    await person.page.goto("/assistant?lang=fr")
    async with person.page.expect_navigation():
        await person.page.click("form[action='/assistant/conversations'] button[type=submit]")
    await person.page.fill("#text", URGENT)
    async with person.page.expect_navigation():
        await person.page.click("form[action$='/messages'] button[type=submit]")
    return urlsplit(person.page.url).path


async def check(page: Page, path: str, language: str) -> list[str]:
    response = await page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
    assert response is not None and response.status < 400, f"{path} answered {response.status if response else None}"
    assert await page.get_attribute("html", "lang") == language
    assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    found = await axe_violations(page)
    return [f"{path} [{language}]: {describe(found)}"] if found else []


async def signed_in_for_axe(live: Live, username: str) -> Person:
    return await sign_in(live.browser, live.url, username, live.password(username), bypass_csp=True)


async def test_public_pages_have_no_serious_accessibility_violation_in_any_language(live: Live) -> None:
    context = await live.browser.new_context(base_url=live.url, bypass_csp=True)
    page = await context.new_page()
    try:
        found = [line for language in LANGUAGES for path in PUBLIC_PAGES for line in await check(page, path, language)]
    finally:
        await context.close()
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("username", sorted(ROLE_PAGES))
async def test_each_roles_pages_have_no_serious_accessibility_violation_in_any_language(live: Live, username: str) -> None:
    person = await signed_in_for_axe(live, username)
    try:
        paths = list(EVERYONE + ROLE_PAGES[username])
        if "/assistant" in ROLE_PAGES[username]:
            paths.append(await a_conversation(person))
        for path in ROLE_PAGES[username]:
            await person.page.goto(path)
            links = await person.page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
            detail = next((link for link in links if DETAILS.match(link.split("?")[0])), None)
            if detail and detail not in paths:
                paths.append(detail)
        found = [line for language in LANGUAGES for path in paths for line in await check(person.page, path, language)]
        for path, button in FORMS_WITH_ERRORS.get(username, ()):  # a form showing its errors is checked too
            await person.page.goto(f"{path}?lang=fr")
            await person.page.click(button)
            await person.page.wait_for_selector("#form-errors")
            errors = await axe_violations(person.page)
            found += [f"{path} with errors: {describe(errors)}"] if errors else []
    finally:
        await person.context.close()
    assert found == [], "\n".join(found)


CAPTIONS_HIDDEN = """() => [...document.querySelectorAll('.fr-table:not(.fr-table--no-caption) caption')].flatMap(caption => {
  caption.scrollIntoView({block: 'center'});
  const box = caption.getBoundingClientRect();
  const row = caption.closest('table').querySelector('tr');
  const under = document.elementFromPoint(box.left + Math.min(8, box.width / 2), box.top + box.height / 2);
  const seen = box.height >= 1 && under !== null && caption.contains(under);
  const over = row !== null && box.bottom > row.getBoundingClientRect().top + 1;
  return seen && !over ? [] : [caption.textContent.trim().slice(0, 60)];
})"""
"""The captions a table shows (not those marked ``fr-table--no-caption``) that a sighted reader cannot read: of no
height, covered by something else at their start, or lying over the table's first row."""


@pytest.mark.parametrize("username", sorted(ROLE_PAGES))
async def test_the_pages_fit_a_360_pixel_wide_screen(live: Live, username: str) -> None:
    person = await sign_in(live.browser, live.url, username, live.password(username), viewport={"width": 360, "height": 740})
    try:
        conversation = (await a_conversation(person),) if "/assistant" in ROLE_PAGES[username] else ()
        for path in EVERYONE + ROLE_PAGES[username] + conversation:
            for language in ("fr", "ar"):
                await person.page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
                overflow = await person.page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 1, f"{path} [{language}] scrolls sideways by {overflow} px at 360 px"
                hidden = await person.page.evaluate(CAPTIONS_HIDDEN)
                assert hidden == [], f"{path} [{language}]: captions hidden or over their table's rows at 360 px: {hidden}"
        assert person.csp_violations == []
    finally:
        await person.context.close()
