"""The gateway's API docs (Swagger UI, served from the project) work in a real browser under the strict
content security policy: every service's routes are listed, and nothing the page needs is blocked."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Live

pytestmark = pytest.mark.browser


async def test_swagger_ui_lists_every_services_routes_under_the_content_security_policy(live: Live) -> None:
    context = await live.browser.new_context(base_url=live.url)
    page = await context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    try:
        answer = await page.goto("/docs")
        assert answer is not None and "script-src 'self'" in (await answer.all_headers())["content-security-policy"]
        await expect(page.locator("#swagger-ui .information-container")).to_be_visible(timeout=30_000)
        for path in (
            "/api/listings/v1/units",
            "/api/matching/v1/placements",
            "/api/guarantees/v1/files",
            "/api/notifications/v1/inbox",
            "/api/assistant/v1/conversations",
            "/api/insights/v1/public/insights/platform",
        ):
            await expect(page.locator(f".opblock-summary-path[data-path='{path}']").first).to_be_attached()
        assert blocked == []
    finally:
        await context.close()
