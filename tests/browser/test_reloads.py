"""Reloading a page after a form never creates anything twice, in a real browser: after a refused publish
(the browser sends the same form again) and after a successful create (post/redirect/get: the reload reads
the draft's page). The owner's drafts are counted through the API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.async_api import Page, expect

from abri_idp.testing import login
from tests.browser.conftest import Live, api
from tests.browser.support import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


async def owner_token(live: Live) -> str:
    """owner1's own access token, to count its units through the API as the pages' reader cannot."""
    token = await login(
        live.idp.issuer, "owner1", live.password("owner1"), "abri-web", live._secret(), f"{live.url}/callback", "openid listings:read"
    )
    return str(token["access_token"])


async def units_on(live: Live, token: str, street: str) -> list[dict[str, Any]]:
    """owner1's units at this street (this test's own), through the API."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        body = (await api(live, "GET", "/listings/v1/units", token, params=params)).json()
        found += [u for u in body["items"] if u["street"] == street]
        cursor = body.get("next_cursor")
        if not cursor:
            return found


async def fill_unit(page: Page, street: str, deposit: str) -> None:
    await page.fill("#commune", "Montpellier (34000)")  # as the suggestion list writes it: no code, no coordinate
    for field, value in {
        "street": street, "rooms": "2", "living_area_m2": "40", "ceiling_height_m": "2,5", "floor": "1",
        "rent_cents": "400", "charges_cents": "50", "deposit_cents": deposit, "primary_energy_kwh": "200", "emissions_kg": "40",
        "dpe_date": "2024-03-01", "available_from": "2027-01-01",
    }.items():  # fmt: skip
        await page.fill(f"#{field}", value)
    await page.select_option("#kind", "apartment")
    await page.select_option("#energy_class", "D")
    await page.check("#schemes-intermediated_letting", force=True)  # the DSFR draws the box on the label


async def test_reloading_after_a_refused_publish_or_a_create_keeps_one_draft(live: Live) -> None:
    owner = await sign_in(live.browser, live.url, "owner1", live.password("owner1"))
    token = await owner_token(live)
    page = owner.page
    try:
        street = f"{uuid.uuid4().hex[:6]} rue du Rechargement"
        await page.goto("/owner/units/new")
        await fill_unit(page, street, deposit="900")  # more than the law allows: the publish is refused
        await page.click("button[value=publish]")
        await expect(page.locator("#form-errors")).to_be_visible()
        summary = await page.inner_text("#form-errors")
        assert "Dépôt de garantie (€) : " in summary, summary  # the field named by its label
        assert len(await units_on(live, token, street)) == 1
        await page.reload()  # the browser sends the same form again
        await expect(page.locator("#form-errors")).to_be_visible()
        drafts = await units_on(live, token, street)
        assert [u["status"] for u in drafts] == ["draft"]

        await page.fill("#deposit_cents", "400")  # corrected in the form shown again: it saves the same draft
        await page.click("button[value=publish]")
        await expect(page.locator(".fr-alert--success")).to_be_visible()
        await page.wait_for_url(f"**/owner/units/{drafts[0]['id']}")
        await page.reload()
        assert [(u["id"], u["status"]) for u in await units_on(live, token, street)] == [(drafts[0]["id"], "published")]

        other = f"{uuid.uuid4().hex[:6]} rue du Rechargement"
        await page.goto("/owner/units/new")
        await fill_unit(page, other, deposit="400")
        await page.click("button[value=save]")
        await page.wait_for_url("**/owner/units/*-*")  # the draft's page (post/redirect/get)
        await page.reload()
        await page.go_back()
        await page.go_forward()
        assert [u["status"] for u in await units_on(live, token, other)] == ["draft"]
    finally:
        await owner.context.close()


async def test_a_social_worker_picks_communes_by_name_and_enter_saves_rather_than_removes(live: Live) -> None:
    worker = await sign_in(live.browser, live.url, "sw1", live.password("sw1"))
    page = worker.page
    try:
        await page.goto("/association/households/new")
        await page.fill("#communes", "Villeurb")  # suggestions by name as one types
        await expect(page.locator("#communes-options option[value='Villeurbanne (69100)']")).to_be_attached(timeout=30_000)
        await page.fill("#communes", "Villeurbanne (69100)")
        await page.click("button[name=communes_add]")
        chosen = page.locator("input[type=hidden][name=communes][value='69266']")
        await expect(chosen).to_be_attached()
        assert "Villeurbanne (Rhône)" in await page.inner_text(".abri-commune-picker")
        await page.fill("#reference", "")
        await page.press("#reference", "Enter")  # the form's default button saves: the commune is not removed
        await expect(page.locator("#form-errors")).to_be_visible()
        assert "Votre référence pour ce ménage : " in await page.inner_text("#form-errors")
        await expect(chosen).to_be_attached()
        await page.click("button[name=communes_remove]")
        await expect(chosen).not_to_be_attached()
    finally:
        await worker.context.close()
