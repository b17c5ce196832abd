"""Strong authentication in Chromium (issue 19, point 4): a social worker without a second factor enrols at the
local identity provider (QR code and key on the page, a first code typed), is shown ten recovery codes, signs
out, and signs in again with a code of their app; the pages have no serious accessibility violation."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.async_api import expect

from tests.browser.conftest import Live
from tests.browser.support import axe_violations, describe

pytestmark = pytest.mark.timeout(300)


async def test_a_social_worker_enrols_keeps_recovery_codes_and_signs_in_again_with_a_code(live: Live) -> None:
    assert "removed" in live.idp.reset_mfa("sw2")  # as an operator would after a lost phone: sw2 enrols anew
    context = await live.browser.new_context(base_url=live.url, locale="fr-FR", bypass_csp=True)  # bypass: axe is injected
    context.set_default_timeout(20_000)
    page = await context.new_page()
    try:
        await page.goto("/login?return_to=/")
        await page.fill("#username", "sw2")
        await page.fill("#password", live.password("sw2"))
        await page.click("button[type=submit]")

        # enrolment: the QR code is inline SVG, the key is written out, the code field is labelled
        await expect(page.locator("svg.qr")).to_be_visible()
        await expect(page.locator("h1")).to_have_text("Activer la vérification en deux étapes")
        assert await page.get_attribute("#new-otp", "autocomplete") == "one-time-code"
        assert await page.get_attribute("#new-otp", "inputmode") == "numeric"
        found = await axe_violations(page)
        assert found == [], describe(found)
        secret = re.sub(r"\s", "", await page.inner_text("#totp-secret"))
        app = pyotp.TOTP(secret)  # the person's authenticator app
        await page.fill("#new-otp", "000000")
        await page.click("form button[type=submit]")
        await expect(page.locator("[role=alert]")).to_be_visible()
        await page.fill("#new-otp", app.now())
        await page.click("form button[type=submit]")

        # ten recovery codes, shown once
        codes = await page.locator("#recovery-codes li").all_inner_texts()
        assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}", code) for code in codes)
        await page.click("form button[type=submit]")
        await page.wait_for_url(f"{live.url}/")

        # sign out (gateway, then the provider), sign in again: password, then a code of the app
        await page.click("form[action='/logout'] button[type=submit]")
        await page.wait_for_url(re.compile(rf"^{re.escape(live.url)}/"))
        await page.goto("/login?return_to=/")
        await page.fill("#username", "sw2")
        await page.fill("#password", live.password("sw2"))
        await page.click("button[type=submit]")
        await expect(page.locator("#otp")).to_be_visible()
        assert await page.get_attribute("#otp", "autocomplete") == "one-time-code"
        found = await axe_violations(page)
        assert found == [], describe(found)
        await page.fill("#otp", app.at(time.time() + 30))  # the next step's code: the enrolment used the current one
        await page.click("form button[type=submit] >> nth=0")
        await page.wait_for_url(f"{live.url}/")
        session = await page.request.get(f"{live.url}/session")
        assert session.ok and (await session.json())["roles"] == ["social_worker"]
    finally:
        await context.close()
