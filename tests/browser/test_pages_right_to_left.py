"""Right to left at every width, every word in the reader's language (issue 20), in Chromium.

Every list page of each role, in Arabic on a 360 px wide phone: each table cell's text starts on the right
(where Arabic reading starts), no element is wider than the screen (an unbounded street wraps instead of
widening its column), and the page never scrolls sideways. The same pages in French, Arabic and Ukrainian
show no English sentence and no raw id (``tests/web/in_words.py``; the operations page aside, whose topics,
consumer groups and event kinds are the identifiers its readers need). Errors are pages in the visitor's
language; every page below the home has its breadcrumb; the identity provider's sign-in page speaks the
four languages, right to left in Arabic; the legal notice and an error page have no serious axe finding.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from abri_idp.testing import login
from tests.browser.conftest import Live, api
from tests.browser.support import axe_violations, describe, sign_in
from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household
from tests.support import wait_until
from tests.web.in_words import findings
from tests.web.test_pages_association import place, today

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
PHONE = {"width": 360, "height": 740}
LONG_STREET = "1 rue des Essais-" + "Prolongée-" * 27
"""A street with no space for 280 characters: it must wrap, never widen its column or the page."""
LIST_PAGES = {
    "owner1": ("/owner/units", "/owner/proposals", "/owner/guarantees", "/assistant"),
    "sw1": (
        "/association/households",
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
EVERYONE = ("/", "/inbox", "/preferences")

MISALIGNED_CELLS = """() => {
  // each table cell's text, measured: in a right-to-left page it ends (on the right) where the cell's content box ends
  const found = [];
  for (const cell of document.querySelectorAll('main table td, main table th')) {
    const style = getComputedStyle(cell);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let right = -Infinity, node;
    while ((node = walker.nextNode())) {
      if (!node.textContent.trim() || node.parentElement.closest('.fr-sr-only, .fr-badge, .fr-btns-group, form')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) right = Math.max(right, rect.right);
    }
    if (right === -Infinity) continue;
    const box = cell.getBoundingClientRect();
    const end = box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
    const text = cell.innerText.trim().slice(0, 40);
    if (end - right > 2) found.push(`${cell.tagName} "${text}": ${Math.round(end - right)} px from its start`);
  }
  return found;
}"""
TOO_WIDE = """() => {
  // elements wider than the screen, or reaching past its edges (visually hidden text aside)
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.querySelectorAll('main *')) {
    if (element.closest('.fr-sr-only')) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.width > width + 1 || box.right > width + 1 || box.left < -1) {
      found.push(`${element.tagName}.${element.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return found.slice(0, 10);
}"""


async def token_of(live: Live, username: str) -> str:
    """An access token of a demo person, for the data the pages show (through the gateway's API)."""
    answer = await login(
        live.idp.issuer, username, live.password(username), "abri-web", live._secret(), f"{live.url}/callback",
        "openid listings:read listings:write matching:read matching:write guarantees:read guarantees:write",
    )  # fmt: skip
    return str(answer["access_token"])


async def with_long_values(live: Live) -> None:
    """Rows worth checking in every list: owner1's unit with an unbounded street, proposed by sw1 for a household
    with a long reference, accepted with a guarantee asked for."""
    owner, worker = await token_of(live, "owner1"), await token_of(live, "sw1")
    where = place()
    body: dict[str, Any] = {**DRAFT, **where, "street": LONG_STREET, "available_from": today()}
    created = await api(live, "POST", "/listings/v1/units", owner, json=body)
    assert created.status_code == 201, created.text
    unit = created.json()
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        published = await client.post(
            f"/api/listings/v1/units/{unit['id']}/publish", headers={"authorization": f"Bearer {owner}", "if-match": f'"{unit["version"]}"'}
        )
    assert published.status_code == 200, published.text
    reference = "Menage-" + uuid.uuid4().hex + "-reference-longue"
    wanted = {"communes": [where["insee_code"]], "around": None}
    registered = await api(live, "POST", "/matching/v1/households", worker, json=household(reference[:60], wanted=wanted))
    assert registered.status_code == 201, registered.text

    async def known() -> bool:
        return (await api(live, "GET", f"/matching/v1/units/{unit['id']}/candidates", worker)).status_code == 200

    await wait_until(known, timeout=90, what="matching learns the published unit")
    proposal = {"household_id": registered.json()["id"], "unit_id": unit["id"], "scheme": "intermediated_letting"}
    proposed = await api(live, "POST", "/matching/v1/placements", worker, json=proposal)
    assert proposed.status_code == 201, proposed.text
    accepted = await api(live, "POST", f"/matching/v1/placements/{proposed.json()['id']}/accept", owner, json={"require_guarantee": True})
    assert accepted.status_code == 200, accepted.text


async def goto(page: Page, path: str, language: str) -> str | None:
    """Open the page in ``language``: None, or what went wrong."""
    answer = await page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
    if answer is None or answer.status >= 400:
        return f"{path} [{language}] answered {answer.status if answer else None}"
    return None


async def test_every_list_page_reads_right_to_left_on_a_phone_in_arabic_and_in_words_in_every_language(live: Live) -> None:
    await with_long_values(live)
    found: list[str] = []
    for username, paths in LIST_PAGES.items():
        person = await sign_in(live.browser, live.url, username, live.password(username), viewport=PHONE)
        try:
            for path in EVERYONE + paths:
                failed = await goto(person.page, path, "ar")
                if failed:
                    found.append(f"{username} {failed}")
                    continue
                assert await person.page.get_attribute("html", "dir") == "rtl"
                found += [f"{username} {path}: {cell}" for cell in await person.page.evaluate(MISALIGNED_CELLS)]
                found += [f"{username} {path}: too wide: {element}" for element in await person.page.evaluate(TOO_WIDE)]
                overflow = await person.page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 1:
                    found.append(f"{username} {path}: scrolls sideways by {overflow} px")
                for language in ("fr", "ar", "uk") if username != "ops1" else ():  # ops reads topics and event kinds as they are
                    failed = await goto(person.page, path, language)
                    found += [f"{username} {failed}"] if failed else []
                    found += [f"{username} {path} [{language}] {finding}" for finding in findings(await person.page.content())]
            assert person.csp_violations == []
        finally:
            await person.context.close()
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    ("language", "direction", "username_label"),
    [("fr", "ltr", "Identifiant"), ("en", "ltr", "Username"), ("ar", "rtl", "اسم المستخدم"), ("uk", "ltr", "Ім'я користувача")],
)
async def test_the_sign_in_page_speaks_the_pages_language(live: Live, language: str, direction: str, username_label: str) -> None:
    context = await live.browser.new_context(base_url=live.url, locale="en-GB")  # the browser asks for English
    try:
        page = await context.new_page()
        await page.goto(f"/login?return_to=/&lang={language}")  # the pages' language wins: ui_locales
        await page.wait_for_selector("#username")
        assert await page.get_attribute("html", "lang") == language
        assert await page.get_attribute("html", "dir") == direction
        assert (await page.inner_text("label[for=username]")).strip() == username_label
    finally:
        await context.close()


@pytest.mark.parametrize(("language", "title"), [("fr", "Page introuvable"), ("ar", "الصفحة غير موجودة"), ("uk", "Сторінку не знайдено")])
async def test_an_unknown_address_is_an_accessible_page_in_the_visitors_language(live: Live, language: str, title: str) -> None:
    context = await live.browser.new_context(base_url=live.url, bypass_csp=True)
    try:
        page = await context.new_page()
        answer = await page.goto(f"/no-such-page?lang={language}")
        assert answer is not None and answer.status == 404
        assert (await page.inner_text("h1")).strip() == title
        assert await page.locator("nav.fr-breadcrumb a[href='/']").count() == 1
        assert findings(await page.content()) == []
        found = await axe_violations(page)
        assert found == [], describe(found)
        await page.goto(f"/legal-notice?lang={language}")
        found = await axe_violations(page)
        assert found == [], describe(found)
    finally:
        await context.close()


async def test_every_page_below_the_home_has_its_breadcrumb(live: Live) -> None:
    person = await sign_in(live.browser, live.url, "sw1", live.password("sw1"))
    try:
        assert await person.page.locator("nav.fr-breadcrumb").count() == 0  # the home page
        for path in LIST_PAGES["sw1"] + ("/inbox", "/preferences", "/accessibility", "/association/households/new"):
            assert await goto(person.page, path, "fr") is None
            crumbs = person.page.locator("nav.fr-breadcrumb")
            assert await crumbs.count() == 1, path
            assert await crumbs.locator("a[href='/']").count() == 1, path
            current = (await crumbs.locator("[aria-current=page]").inner_text()).strip()
            assert current and current == (await person.page.title()).split(" · ")[0].strip(), path
    finally:
        await person.context.close()
