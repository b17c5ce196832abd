"""The web inbox (issue 20): each message in the page's language, its link to the page where its reader acts,
the true count of unread messages and a filter on them, pages that go on in another language (the four
services and the gateway)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator

import pytest

from tests.notifications.support import execute
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrate_every_service
from tests.web.support import Stack, running_stack

pytestmark = pytest.mark.timeout(120)
PARAMS = json.dumps(
    {"postal_code": {"t": "str", "v": "75011"}, "_home": {"t": "map", "v": {"kind": "house", "commune": "Paris", "postal_code": "75011"}}}
)


@pytest.fixture(scope="module")
async def stack(issuer: TestIssuer) -> AsyncIterator[Stack]:
    migrate_every_service()
    async for running in running_stack(issuer):
        yield running


async def test_the_web_inbox_shows_each_message_in_the_pages_language_with_its_link(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        assert (await owner.get("/inbox")).status_code == 200  # enrols
        await execute(
            "INSERT INTO inbox_messages (id, key, recipient, event_type, template, language, direction, subject, text, params, link,"
            " created_at) VALUES (gen_random_uuid(), md5(random()::text), :r, 'abri.listings.unit.let.v1', 'owner.unit_let', 'en',"
            " 'ltr', 'Your home is let', 'The lease is signed: your home (75011) is let.', CAST(:p AS jsonb), '/owner/proposals', now())",
            r=owner.subject, p=PARAMS,
        )  # fmt: skip
        french = await owner.get("/inbox", params={"lang": "fr"})
        assert "Votre logement est loué" in french.text and "Your home is let" not in french.text
        assert "Le logement : une maison à Paris (75011)" in html.unescape(french.text)
        assert 'href="/owner/proposals"' in french.text and "Ouvrir la page" in french.text
        assert "Vous avez 1 message non lu." in french.text
        arabic = await owner.get("/inbox", params={"lang": "ar"})
        assert 'lang="ar" dir="rtl"' in arabic.text and "مسكنك" in arabic.text
        english = await owner.get("/inbox", params={"lang": "en"})
        assert "Your home is let" in english.text and "your home (75011) is let." in english.text  # its own language: as stored
    finally:
        await owner.aclose()


async def test_the_web_inbox_counts_every_unread_message_filters_them_and_pages_in_any_language(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        assert (await owner.get("/inbox")).status_code == 200  # enrols
        await execute(
            "INSERT INTO inbox_messages (id, key, recipient, event_type, template, language, direction, subject, text, created_at,"
            " read_at) SELECT gen_random_uuid(), md5(:r || n), :r, 'abri.test.v1', 'owner.unit_let', 'en', 'ltr', 'Message ' || n,"
            " 'Text', now(), CASE WHEN n % 2 = 0 THEN now() END FROM generate_series(1, 430) AS n",
            r=owner.subject,
        )  # fmt: skip
        first = await owner.get("/inbox", params={"lang": "en"})
        assert "You have 215 unread messages." in first.text  # the true count: no cap at 200
        assert first.text.count('class="abri-inbox__item') == 50  # a page, not the whole list
        unread = await owner.get("/inbox", params={"lang": "en", "unread": "true"})
        assert unread.text.count("abri-inbox__item--unread") == 50 and unread.text.count('class="abri-inbox__item"') == 0
        link = re.search(r'href="(/inbox\?[^"]*cursor=[^"]+)"', unread.text)
        assert link is not None and "unread=true" in html.unescape(link.group(1))  # the filter kept on the next page
        second = await owner.get(html.unescape(link.group(1)) + "&lang=uk")  # the next page in another language
        assert second.status_code == 200 and second.text.count("abri-inbox__item--unread") == 50
        assert 'href="/inbox?unread=true"' in second.text and "Перша сторінка" in second.text  # back to the first page
    finally:
        await owner.aclose()
