"""The browser tier: Debian's Chromium driven by Playwright through the real sign-in of the local
identity provider, the gateway and every service.

Playwright cannot download browsers here: it launches the Chromium of Debian's ``chromium`` package
(``ABRI_CHROMIUM`` overrides the path). axe-core comes from npm (``make web-assets``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from abri_idp.testing import second_factor_code

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ABRI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
AXE = REPO / "gateway" / "web-assets" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def css_string(value: str) -> str:
    """``value`` as a quoted CSS string, for an attribute selector built from data: a commune such as
    "La Chapelle-d'Alagnon" has an apostrophe that would end a single-quoted value."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240  (once, before the browser starts)
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Person:
    """A demo person of the local identity provider, signed in in a browser context of their own."""

    username: str
    context: BrowserContext
    page: Page
    csp_violations: list[str]


async def sign_in(browser: Browser, gateway_url: str, username: str, password: str, **context_options: Any) -> Person:
    """A new browser context that signs in through the gateway's /login and the provider's form."""
    context = await browser.new_context(base_url=gateway_url, locale="fr-FR", **context_options)
    context.set_default_timeout(20_000)
    page = await context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    await page.goto("/login?return_to=/")
    await page.fill("#username", username)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    if await page.locator("#otp").count():  # the provider asks a social worker, fund agent or ops for a TOTP code
        await page.fill("#otp", await second_factor_code(page.url.split("/authorize")[0], username))
        await page.click("form button[type=submit] >> nth=0")
    await page.wait_for_url(f"{gateway_url}/", timeout=20_000)
    return Person(username, context, page, violations)


async def axe_violations(page: Page, minimum: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.1 A and AA on the current page, at the given impacts.

    The page's content security policy forbids injected scripts: run it in a context made with
    ``bypass_csp=True`` (the pages themselves are tested under the policy elsewhere)."""
    await page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in minimum
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)


SCREENSHOTS = os.environ.get("ABRI_SCREENSHOTS_DIR")
"""``make screenshots`` sets it to docs/screenshots: the journey then photographs the main pages."""


async def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A screenshot of the page for the docs, when asked for (``ABRI_SCREENSHOTS_DIR``)."""
    if SCREENSHOTS:
        # Playwright makes the folder
        await page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=full_page)
