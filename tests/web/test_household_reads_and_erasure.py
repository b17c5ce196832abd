"""The household's own page gathers who read its data in every service (matching's record, guarantees'
files, what notifications holds under its account), each reader named by its organisation's name (the
gateway's ``organisations`` setting) and its role in the reader's language, never by a subject id; and the
household asks for its own erasure there, after a confirmation step, then sees where it stands in each
service."""

from __future__ import annotations

import html as markup
import os
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.matching.invitations import link_in_browsers
from tests.matching.test_households_api import SECRETS, household
from tests.notifications.support import unique
from tests.oidc_issuer import TestIssuer
from tests.support import wait_until
from tests.web.support import Browser, Stack, a_fund, running_stack
from tests.web.test_export import consent
from tests.web.test_pages_association import file_guarantee, known_to_matching, place, published_unit

pytestmark = pytest.mark.timeout(600)
ASSOCIATION, FUND = unique("org-reads"), f"fund-web-{os.urandom(3).hex()}"
NAMES = {ASSOCIATION: "Association Toit Commun", FUND: "Fonds Solidaire du Sud"}


@pytest.fixture(scope="module")
async def stack(issuer: TestIssuer, migrated: None) -> AsyncIterator[Stack]:
    async for running in running_stack(issuer, organisations=NAMES):
        yield running


def text(page: httpx.Response) -> str:
    """The page's text with its entities decoded (an apostrophe is ``&#39;`` in some places, not in others)."""
    return markup.unescape(page.text)


async def registered(worker: Browser, person: Browser, **changes: object) -> str:
    answer = await worker.api("POST", "/matching/v1/households", json=household(unique("RD"), **changes))
    assert answer.status_code == 201, answer.text
    await link_in_browsers(worker, person, answer.json()["id"])
    return str(answer.json()["id"])


async def exported_from_notifications(worker: Browser, household_id: str) -> None:
    """The association exports what notifications holds under the household's account, once notifications
    has heard of the household and of its account (matching's ``household.consents_changed`` at its
    registration, then at the invitation the person accepted, through Kafka)."""

    async def exported() -> bool:
        answer = await worker.api("GET", f"/notifications/v1/households/{household_id}/export")
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200 and answer.json()["account_subject"] is not None

    await wait_until(exported, timeout=60, interval=0.5, what="notifications knows the household")


async def test_the_household_sees_who_read_its_data_in_every_service_by_organisation_and_role(stack: Stack) -> None:
    worker, owner, ops = stack.browser("social_worker", org_id=ASSOCIATION), stack.browser("owner"), stack.browser("ops")
    agent = stack.browser("fund_agent", org_id=FUND)
    person = stack.browser("household", org_id=ASSOCIATION)
    try:
        await a_fund(ops, FUND, "Fonds")
        where = place()
        household_id = await registered(worker, person, wanted={"communes": [where["insee_code"]]}, needs={"min_bedrooms": 1})
        await consent(worker, household_id, "guarantee_file")
        read = await worker.api("GET", f"/matching/v1/households/{household_id}/personal-data", params={"purpose": "contact"})
        assert read.status_code == 200, read.text
        await exported_from_notifications(worker, household_id)
        unit = await published_unit(owner, where)
        await known_to_matching(worker, unit["id"])
        proposal = {"household_id": household_id, "unit_id": unit["id"], "scheme": "intermediated_letting"}
        placement = await worker.api("POST", "/matching/v1/placements", json=proposal)
        assert placement.status_code == 201, placement.text
        accepted = await owner.api("POST", f"/matching/v1/placements/{placement.json()['id']}/accept", json={"require_guarantee": True})
        assert accepted.status_code == 200, accepted.text
        file_id = await file_guarantee(worker, placement.json()["id"], FUND)
        tenant = await agent.api("GET", f"/guarantees/v1/files/{file_id}/tenant", params={"purpose": "check_identity"})
        assert tenant.status_code == 200, tenant.text

        page = await person.get("/household")
        assert page.status_code == 200, page.text
        html = text(page)
        assert "Qui a lu mes données" in html
        assert "Association Toit Commun" in html and "Travailleur social" in html and "Prise de contact avec vous" in html  # matching
        assert "Fonds Solidaire du Sud" in html and "Agent d'un fonds de garantie des loyers" in html  # guarantees
        assert "Vérification de votre identité" in html and "Votre dossier de garantie de loyer" in html
        assert "Vos coordonnées pour les messages" in html and "Vos données ont été exportées (téléchargées)" in html  # notifications
        assert "Cette liste est peut-être incomplète" not in html, "every service's log was read"
        fund_row = html.index("Fonds Solidaire du Sud")
        association_row = html.index("Association Toit Commun")
        assert fund_row < association_row, "the latest reading first, whichever service it was in"
        for subject in (worker.subject, agent.subject, owner.subject):
            assert subject not in html, "a reader is never shown by its subject id"
        assert FUND not in html and ASSOCIATION not in html, "nor an organisation by its id"
        assert SECRETS["last_name"] not in html

        for lang, role, purpose in (
            ("en", "Rent guarantee fund agent", "Checking your identity"),
            ("ar", "موظف في صندوق ضمان الإيجار", "التحقق من هويتك"),
            ("uk", "Працівник фонду гарантії оренди", "Перевірка вашої особи"),
        ):
            translated = await person.get("/household", params={"lang": lang})
            assert role in translated.text and purpose in translated.text and agent.subject not in translated.text, lang
    finally:
        for browser in (worker, owner, ops, agent, person):
            await browser.aclose()


async def test_the_household_asks_for_its_erasure_after_a_confirmation_and_sees_each_services_state(stack: Stack) -> None:
    worker, person = stack.browser("social_worker", org_id=ASSOCIATION), stack.browser("household", org_id=ASSOCIATION)
    try:
        household_id = await registered(worker, person)
        state = f"/matching/v1/households/{household_id}/erasure"

        page = await person.get("/household")
        assert 'href="/household/erasure"' in page.text and "Demander l'effacement de mes données" in text(page)
        confirm = await person.get("/household/erasure")
        assert confirm.status_code == 200
        assert "Ce qui est effacé" in text(confirm) and "Ce que la loi impose de conserver" in confirm.text
        assert "10 ans (pièces comptables)" in confirm.text and 'action="/household/erasure"' in confirm.text
        english = await person.get("/household/erasure", params={"lang": "en"})
        assert "What the law requires to keep" in english.text and "Yes, erase my data" in english.text
        assert (await worker.api("GET", state)).status_code == 404  # reading the confirmation erased nothing

        refused = await person.post("/household/erasure", csrf=False)
        assert refused.status_code == 403
        assert (await worker.api("GET", state)).status_code == 404

        erased = await person.post("/household/erasure")
        assert erased.status_code == 200, erased.text
        shown = text(erased)
        assert "Votre demande est enregistrée" in shown and "Où en est l'effacement dans chaque partie d'Abri" in shown
        assert "Vos dossiers de garantie de loyer et leurs pièces" in shown and "Vos messages et vos coordonnées" in shown
        assert "Effacé" in shown  # matching's own part is done in the request

        recorded = await worker.api("GET", state)
        assert recorded.status_code == 200 and recorded.json()["requested_by"] == "household", recorded.text
        personal = await worker.api("GET", f"/matching/v1/households/{household_id}/personal-data", params={"purpose": "contact"})
        assert personal.status_code == 410, personal.text
        after = await person.get("/household/erasure")
        assert after.status_code == 200 and "Aucun dossier n'est lié à votre compte" in text(after)
    finally:
        await worker.aclose()
        await person.aclose()


async def test_other_roles_cannot_reach_the_households_erasure(stack: Stack) -> None:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    try:
        for who in (worker, owner):
            assert (await who.get("/household/erasure")).status_code == 403
            assert (await who.post("/household/erasure")).status_code == 403
    finally:
        await worker.aclose()
        await owner.aclose()
