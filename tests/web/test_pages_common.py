"""Pages for everyone: home, language, sign-in redirect, CSRF, inbox, preferences, error pages."""

from __future__ import annotations

import html
import re

from tests.notifications.support import execute
from tests.web.support import Stack


async def test_the_home_page_speaks_french_by_default_and_arabic_right_to_left_on_request(stack: Stack) -> None:
    async with stack.anonymous() as client:
        french = await client.get("/")
        assert french.status_code == 200
        assert '<html lang="fr" dir="ltr"' in french.text
        assert "Se connecter" in french.text
        arabic = await client.get("/", params={"lang": "ar"})
        assert '<html lang="ar" dir="rtl"' in arabic.text
        assert "abri_lang=ar" in arabic.headers["set-cookie"] and "HttpOnly" in arabic.headers["set-cookie"]
        remembered = await client.get("/", headers={"cookie": "abri_lang=uk"})
        assert '<html lang="uk"' in remembered.text
        browser_language = await client.get("/", headers={"accept-language": "en-GB,en;q=0.8"})
        assert '<html lang="en"' in browser_language.text
        unknown = await client.get("/", params={"lang": "xx"}, headers={"accept-language": "de"})
        assert '<html lang="fr"' in unknown.text


async def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(stack: Stack) -> None:
    async with stack.anonymous() as client:
        page = await client.get("/accessibility")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page.text, flags=re.S)
    assert scripts and all(not body.strip() for body in scripts)  # every script comes from a file
    assert " style=" not in page.text and "<style" not in page.text


async def test_a_signed_in_page_sends_an_anonymous_visitor_to_the_login_and_back(stack: Stack) -> None:
    async with stack.anonymous() as client:
        answer = await client.get("/owner/units")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?return_to=%2Fowner%2Funits"


async def test_a_page_for_another_role_answers_403_in_the_visitors_language(stack: Stack) -> None:
    worker = stack.browser("social_worker")
    try:
        answer = await worker.get("/owner/units", params={"lang": "en"})
    finally:
        await worker.aclose()
    assert answer.status_code == 403
    assert "This page is not for your role." in answer.text


async def test_a_form_without_its_csrf_token_changes_nothing(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        before = (await owner.api("GET", "/notifications/v1/me/preferences")).json()
        refused = await owner.post("/preferences", {"language": "en", "zone": "Europe/Paris"}, csrf=False)
        forged = await owner.client.post("/preferences", data={"language": "en", "csrf_token": "forged"})
        after = (await owner.api("GET", "/notifications/v1/me/preferences")).json()
    finally:
        await owner.aclose()
    assert refused.status_code == 403 and forged.status_code == 403
    assert "reload the page" in refused.text or "rechargez" in refused.text
    assert after == before


async def test_preferences_are_saved_and_a_bad_value_is_shown_next_to_its_field(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        missing_email = await owner.post("/preferences", {"language": "uk", "channels": ["email"], "zone": "Europe/Paris"})
        assert missing_email.status_code == 422
        assert 'id="email-error"' in missing_email.text and 'aria-describedby="email-error"' in missing_email.text
        unchanged = (await owner.api("GET", "/notifications/v1/me/preferences")).json()
        assert unchanged["language"] == "fr" and unchanged["channels"] == []

        saved = await owner.post(
            "/preferences",
            {"language": "uk", "channels": ["email", "sms"], "email": "camille@example.org", "phone": "06 12 34 56 78",
             "quiet_start": "21:00", "quiet_end": "08:00", "zone": "Europe/Paris"},
        )  # fmt: skip
        assert saved.status_code == 303 and saved.headers["location"] == "/preferences"
        stored = (await owner.api("GET", "/notifications/v1/me/preferences")).json()
        assert stored["language"] == "uk" and stored["channels"] == ["email", "sms"]
        assert stored["phone"] == "+33612345678" and stored["quiet_start"].startswith("21:00")
        shown = await owner.get("/preferences")
        assert 'value="camille@example.org"' in shown.text and "fr-alert--success" in shown.text
    finally:
        await owner.aclose()


async def test_the_inbox_lists_my_messages_and_marks_one_read(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        empty = await owner.get("/inbox", params={"lang": "en"})
        assert empty.status_code == 200 and "No message yet." in empty.text
        assert 'data-live-inbox="/api/notifications/v1/inbox/stream?lang=en"' in empty.text  # live messages in the page's language
        assert "Next page" not in empty.text
    finally:
        await owner.aclose()


async def test_the_inbox_comes_in_pages_newest_first_and_home_counts_every_unread_message(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        assert (await owner.get("/inbox")).status_code == 200  # enrols
        await execute(
            "INSERT INTO inbox_messages (id, key, recipient, event_type, template, language, direction, subject, text, created_at)"
            " SELECT gen_random_uuid(), md5(:r || n), :r, 'abri.test.v1', 'owner.unit_let', 'en', 'ltr', 'Message ' || n, 'Text',"
            " now() FROM generate_series(1, 53) AS n",
            r=owner.subject,
        )  # fmt: skip
        home = await owner.get("/", params={"lang": "en"})
        assert "You have 53 unread messages." in home.text  # counted, not cut at a page
        first = await owner.get("/inbox", params={"lang": "en"})
        assert first.text.count("abri-inbox__item--unread") == 50 and "Message 53<" in first.text and "Message 3<" not in first.text
        link = re.search(r'href="(/inbox\?cursor=[^"]+)"', first.text)
        assert link is not None and ">Next page<" in first.text
        second = await owner.get(html.unescape(link.group(1)))
        assert second.status_code == 200 and second.text.count("abri-inbox__item--unread") == 3 and "Message 1<" in second.text
        assert "Next page" not in second.text
    finally:
        await owner.aclose()


async def test_an_unknown_page_answers_404(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        answer = await owner.get("/owner/units/00000000-0000-0000-0000-000000000000", params={"lang": "en"})
    finally:
        await owner.aclose()
    assert answer.status_code == 404
    assert "This page does not exist, or it is not yours." in answer.text
