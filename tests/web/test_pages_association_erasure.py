"""The association's page of a household, for its rights, through the real services and their consumers:
consents recorded (purpose and notice version) and withdrawn with what a withdrawal does (the household
leaves the ranking at once); the erasure of its data everywhere (a confirmation step, the request, then
the state per service until every service has answered, what each keeps and why), CSRF-checked, errors
next to their field, another association's household 404."""

from __future__ import annotations

import html
from typing import Any

import pytest

from abri_gateway.web.pages.association.erasure import SERVICES as ERASING
from tests.support import wait_until
from tests.web.support import Stack
from tests.web.test_pages_association import field_error, known_to_matching, place, published_unit, register, unique_code

pytestmark = pytest.mark.timeout(600)


def text_of(answer: Any) -> str:
    return html.unescape(answer.text)


async def test_a_consent_withdrawn_from_the_page_takes_the_household_out_of_the_ranking(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    try:
        where = place()
        unit = await published_unit(owner, where)
        household_id = await register(worker, commune=where["insee_code"], consents=["matching"])
        await known_to_matching(worker, unit["id"])
        ranked = f'name="household_id" value="{household_id}"'
        candidates = await worker.get(f"/association/units/{unit['id']}", params={"commune": where["insee_code"]})
        assert candidates.status_code == 200 and ranked in candidates.text

        page = await worker.get(f"/association/households/{household_id}", params={"lang": "en"})
        assert "What a withdrawal does" in page.text and "The household leaves every ranking at once" in text_of(page)
        assert "Its data may be processed now for: Matching" in text_of(page)
        [consent] = (await worker.api("GET", f"/matching/v1/households/{household_id}/consents")).json()["items"]
        refused = await worker.post(f"/association/households/{household_id}/consents/{consent['id']}/withdraw", {}, csrf=False)
        assert refused.status_code == 403
        withdrawn = await worker.post(f"/association/households/{household_id}/consents/{consent['id']}/withdraw", {})
        assert withdrawn.status_code == 303

        after = await worker.get(f"/association/units/{unit['id']}", params={"commune": where["insee_code"]})
        assert after.status_code == 200 and ranked not in after.text  # out of the ranking at once
        page = await worker.get(f"/association/households/{household_id}", params={"lang": "en"})
        assert "Its data may be processed for nothing now" in page.text

        bad = await worker.post(f"/association/households/{household_id}/consents", {"purpose": "matching", "notice_version": "v 2026 é"})
        assert bad.status_code == 422 and field_error(bad.text, "notice_version")
        again = await worker.post(f"/association/households/{household_id}/consents", {"purpose": "matching", "notice_version": "2026-02"})
        assert again.status_code == 303
        consents = (await worker.api("GET", f"/matching/v1/households/{household_id}/consents")).json()["items"]
        assert [(c["purpose"], c["notice_version"], c["withdrawn_at"] is None) for c in consents][-1] == ("matching", "2026-02", True)
        back = await worker.get(f"/association/units/{unit['id']}", params={"commune": where["insee_code"]})
        assert ranked in back.text  # ranked again with its new consent
    finally:
        await worker.aclose()
        await owner.aclose()


async def test_the_household_is_erased_from_its_page_and_every_service_answers(stack: Stack) -> None:
    worker, other = stack.browser("social_worker"), stack.browser("social_worker")
    try:
        reference = unique_code("KOVALENKO")
        household_id = await register(worker, reference)
        erasure_page = f"/association/households/{household_id}/erasure"
        household = await worker.get(f"/association/households/{household_id}", params={"lang": "en"})
        assert reference in household.text and f'href="{erasure_page}"' in household.text
        assert "Kovalenko-Durand" in (await worker.get(f"/association/households/{household_id}/edit")).text

        confirm = await worker.get(erasure_page, params={"lang": "en"})
        assert confirm.status_code == 200 and "What each part of Abri erases" in confirm.text
        assert "What the law requires to keep, without identity" in confirm.text and "Commercial Code art. L123-22" in confirm.text
        assert (await other.get(erasure_page)).status_code == 404
        assert (await other.post(erasure_page, {"confirm": "confirm"})).status_code == 404
        unticked = await worker.post(erasure_page, {})
        assert unticked.status_code == 422 and field_error(unticked.text, "confirm")
        assert (await worker.post(erasure_page, {"confirm": "confirm"}, csrf=False)).status_code == 403
        assert (await worker.api("GET", f"/matching/v1/households/{household_id}/erasure")).status_code == 404  # nothing asked yet

        asked = await worker.post(erasure_page, {"confirm": "confirm"})
        assert asked.status_code == 303 and asked.headers["location"] == erasure_page
        state = (await worker.api("GET", f"/matching/v1/households/{household_id}/erasure")).json()
        assert state["requested_by"] == "association"

        async def completed() -> bool:
            answer = await worker.api("GET", f"/matching/v1/households/{household_id}/erasure")
            return bool(answer.json()["state"] == "completed")

        await wait_until(completed, timeout=120, interval=0.5, what="every service sends its erasure receipt")
        shown = await worker.get(erasure_page, params={"lang": "en"})
        assert shown.status_code == 200 and "Erased everywhere" in shown.text and shown.text.count(">Completed<") == len(ERASING)
        for words in (
            "Its association, on its behalf",
            "The household's consents (what, when, the version of the notice, who recorded them), without its identity",
            "GDPR art. 7(1)",
            "To prove that the erasure was done",
            "Nothing: everything about the household is erased.",  # notifications and listings keep nothing
        ):
            assert words in text_of(shown), words
        french = await worker.get(erasure_page, params={"lang": "fr"})
        assert "Effacé partout" in french.text and "Terminé" in french.text and "Les consentements du ménage" in text_of(french)
        again = await worker.post(erasure_page, {"confirm": "confirm"})  # a repeat answers the first request
        assert again.status_code == 303
        assert (await worker.api("GET", f"/matching/v1/households/{household_id}/erasure")).json()["request_id"] == state["request_id"]

        household = await worker.get(f"/association/households/{household_id}", params={"lang": "en"})
        assert "Erased household" in household.text and reference not in household.text and "Kovalenko" not in household.text
        assert f'href="{erasure_page}"' in household.text and "Record the consent" not in household.text
        edit = await worker.get(f"/association/households/{household_id}/edit")
        assert edit.status_code == 200 and "Kovalenko" not in edit.text and reference not in edit.text
        assert (await other.get(erasure_page)).status_code == 404
    finally:
        await worker.aclose()
        await other.aclose()
