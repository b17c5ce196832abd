"""The assistant's pages against the real services: a household starts a conversation in its page's language,
asks, reads the answer with its source (a public page linked, or Abri's own documentation by its title) and the
day it was checked; an urgent message shows the emergency numbers (``tel:`` links) at once; the household hands
the conversation to its association only with the box ticked; the association's social worker finds it in its
list (urgent, why in words) and reads it (logged: the household sees the reading on its file page), another
association's worker gets 404, a worker without a second factor is sent to the identity provider; the
household's export holds its conversations; the forms need their CSRF token; the emergency numbers are on every
page of the assistant; the four languages render (Arabic right to left) with no English and no raw id."""

from __future__ import annotations

import html
import json
import re
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest

from abri_auth.assurance import ACR_MFA, ACR_PASSWORD
from abri_gateway.web.messages import problems
from tests.matching.invitations import link_in_browsers
from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.support import wait_until
from tests.web.in_words import findings
from tests.web.support import Browser, Stack, main_text

pytestmark = pytest.mark.timeout(600)
QUESTION = "C'est quoi un bail glissant ?"
URGENT = "Le propriétaire a changé les serrures, je n'ai nulle part où dormir ce soir avec mes enfants"
CONVERSATION = re.compile(r"^/assistant/conversations/([0-9a-f-]{36})$")


@dataclass
class Household:
    """A household of ``worker``'s association with its own account (``person``), linked by an invitation."""

    worker: Browser
    person: Browser
    household_id: str
    reference: str


@pytest.fixture(scope="module")
async def linked(stack: Stack) -> AsyncIterator[Household]:
    worker = stack.browser("social_worker")
    person = stack.browser("household", org_id=worker.org_id)
    reference = unique("AS")
    registered = await worker.api("POST", "/matching/v1/households", json=household(reference))
    assert registered.status_code == 201, registered.text
    await link_in_browsers(worker, person, registered.json()["id"])
    yield Household(worker, person, registered.json()["id"], reference)
    await worker.aclose()
    await person.aclose()


async def started(person: Browser, language: str | None = None) -> str:
    """A new conversation through the form (its language the page's unless given); its id."""
    answer = await person.post("/assistant/conversations", {"language": language or "fr"})
    assert answer.status_code == 303, answer.text[:500]
    found = CONVERSATION.match(answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


async def asked(person: Browser, conversation: str, text: str) -> str:
    """Ask through the form; the conversation's page as the redirect leads to it (its entities unescaped)."""
    answer = await person.post(f"/assistant/conversations/{conversation}/messages", {"text": text})
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["location"].startswith(f"/assistant/conversations/{conversation}#message-")
    page = await person.get(answer.headers["location"].split("#")[0])
    assert page.status_code == 200
    return html.unescape(page.text)


async def test_a_household_asks_sees_the_source_and_an_urgency_shows_the_numbers_then_hands_it_over(
    stack: Stack, linked: Household
) -> None:
    person, worker = linked.person, linked.worker
    home = await person.get("/assistant")
    assert home.status_code == 200 and '<html lang="fr"' in home.text
    assert all(f'href="tel:{dial}"' in home.text for dial in ("115", "3919", "119")), "the numbers, before anything is typed"
    assert 'href="/assistant"' in home.text and "Nouvelle conversation" in home.text
    assert '<option value="fr" selected>' in home.text, "the page's language is preselected"
    english = await person.get("/assistant", params={"lang": "en"})
    assert '<option value="en" selected>' in english.text

    conversation = await started(person)
    page = await asked(person, conversation, QUESTION)
    assert QUESTION in page and "Vous avez écrit" in page and "L'assistant a répondu" in page
    source = re.search(r'<p class="abri-source[^"]*">(.*?)</p>', page, re.DOTALL)
    assert source is not None and 'href="https://' in source.group(1) and "vérifiée le" in source.group(1)
    assert 'target="_blank" rel="noopener"' in source.group(1)
    assert '<span lang="fr">ADIL 39, « Sous-location avec glissement du bail »' in source.group(1), "a French text, marked French"
    assert 'href="tel:' not in page.split('id="messages-title"')[1].split('id="ask-title"')[0], "no numbers with a plain answer"
    assert "Transmettre cette conversation à mon association" not in page, "nothing to hand over yet"

    page = await asked(person, conversation, URGENT)
    messages = page.split('id="messages-title"')[1].split('id="ask-title"')[0]
    assert "fr-alert--error" in messages and all(f'href="tel:{dial}"' in messages for dial in ("115", "3919", "119"))
    assert "Hébergement d'urgence" in messages, "each number named in the conversation's language"
    assert "Urgent" in page and "Nulle part où dormir ce soir" in page, "the urgency in words"
    assert "Transmettre cette conversation à mon association" in page and 'name="consent"' in page

    # unticked: refused on the form, nothing sent
    refused = await person.post(f"/assistant/conversations/{conversation}/handover", {})
    assert refused.status_code == 422 and 'id="consent-error"' in refused.text and "Cochez la case" in refused.text
    assert 'href="#consent"' in refused.text, "the summary links to the box"
    mine = (await person.api("GET", f"/assistant/v1/conversations/{conversation}")).json()
    assert mine["handed_over_at"] is None
    listed = (await worker.api("GET", "/assistant/v1/handovers")).json()["items"]
    assert conversation not in [item["id"] for item in listed]
    assert (await worker.get("/inbox")).status_code == 200  # the worker is known to notifications (it tells of hand-overs)

    async def handed() -> bool:  # the assistant learns the household's account from matching's event
        answer = await person.post(f"/assistant/conversations/{conversation}/handover", {"consent": True})
        if answer.status_code == 409:
            assert "Votre association n'a pas encore relié votre compte" in html.unescape(answer.text)
            return False
        assert answer.status_code == 303, answer.text[:500]
        return True

    await wait_until(handed, timeout=90, interval=0.5, what="the assistant learns the household's account")
    page = (await person.get(f"/assistant/conversations/{conversation}")).text
    assert "Votre conversation a été transmise à votre association" in page  # the notice after the form
    assert "Vous avez transmis cette conversation à votre association le" in page
    assert 'name="consent"' not in page, "handed over once"

    # the household's own file stage, and a source of Abri's documentation named by its title
    page = await asked(person, conversation, "Où en est mon dossier ?")
    assert "Où en est votre dossier" in page and "Source : documentation d'Abri," in page
    assert '<span lang="en">docs/web.md' in page, "Abri's documentation is cited by its English title, marked English"

    # the social worker of its association: the list, then the reading (logged)
    handed_list = await worker.get("/association/conversations")
    assert handed_list.status_code == 200 and f'href="/association/conversations/{conversation}"' in handed_list.text
    assert "Urgent" in handed_list.text and "Une expulsion en cours" in handed_list.text and "Français" in handed_list.text
    assert 'href="/association/conversations" aria-current="page"' in handed_list.text, "in the worker's menu"
    to_file = f'<a class="fr-link" href="/association/households/{linked.household_id}">{linked.reference}</a>'
    assert to_file in handed_list.text, "which household: the association's reference, linking to its file"
    read = await worker.get(f"/association/conversations/{conversation}")
    assert read.status_code == 200, read.text[:500]
    assert "nulle part où dormir ce soir" in read.text and "La personne a écrit" in read.text
    assert to_file in read.text
    assert "journal des accès du ménage" in read.text
    assert 'action="/assistant' not in read.text and "<textarea" not in read.text, "read-only"
    log = (await person.api("GET", "/assistant/v1/me/access-log")).json()["items"]
    assert [(entry["purpose"], entry["actor"]) for entry in log] == [("handover", worker.subject)]
    mine_page = html.unescape((await person.get("/household")).text)
    assert "Vos conversations avec l'assistant" in mine_page
    assert "Lecture de la conversation avec l'assistant que vous avez transmise à votre association" in mine_page

    async def told() -> bool:  # notifications links its message to the conversation's page
        return f'href="/association/conversations/{conversation}"' in (await worker.get("/inbox")).text

    await wait_until(told, timeout=90, interval=0.5, what="notifications tells the association's social workers")

    # another association's worker: 404, and not in its list; without a second factor: the identity provider first
    stranger = stack.browser("social_worker")
    weak = stack.browser("social_worker", org_id=worker.org_id, acr=ACR_PASSWORD, amr=["pwd"])
    try:
        refused = await stranger.get(f"/association/conversations/{conversation}")
        assert refused.status_code == 404 and "nulle part où dormir" not in refused.text
        assert conversation not in (await stranger.get("/association/conversations")).text
        detour = await weak.get(f"/association/conversations/{conversation}", follow_redirects=False)
        assert detour.status_code == 303, detour.text[:300]
        query = parse_qs(urlsplit(detour.headers["location"]).query)
        assert query["acr_values"] == [ACR_MFA] and query["return_to"] == [f"/association/conversations/{conversation}"]
    finally:
        await stranger.aclose()
        await weak.aclose()

    # the household's export holds its conversations; its association's export on its behalf does not
    async def every_service_knows_it() -> bool:  # its household event is on its way (an export meanwhile answers 503)
        for service in ("notifications", "guarantees"):
            if (await person.api("GET", f"/{service}/v1/households/{linked.household_id}/export")).status_code != 200:
                return False
        return True

    await wait_until(every_service_knows_it, timeout=90, what="notifications and guarantees learn the household")
    exported = await person.post("/household/export")
    assert exported.status_code == 200, main_text(exported.text)  # the page says which service did not answer
    archive = zipfile.ZipFile(BytesIO(exported.content))
    document = json.loads(archive.read("assistant.json"))
    assert document["service"] == "assistant" and document["account_subject"] == person.subject
    ours = next(c for c in document["conversations"] if c["id"] == conversation)
    assert ours["handed_over_at"] and ours["messages"][0]["text"] == QUESTION
    assert "urgency_category" in json.loads(archive.read("labels.json"))["codes"]
    assert "assistant" in json.loads(archive.read("manifest.json"))["services"]
    on_behalf = await worker.post(f"/association/households/{linked.household_id}/export")
    assert on_behalf.status_code == 200 and "assistant.json" not in zipfile.ZipFile(BytesIO(on_behalf.content)).namelist()

    # deleted after a confirmation; gone for the association too
    confirm = await person.get(f"/assistant/conversations/{conversation}/delete")
    assert confirm.status_code == 200 and "La supprimer définitivement" in confirm.text and 'href="tel:115"' in confirm.text
    deleted = await person.post(f"/assistant/conversations/{conversation}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/assistant"
    assert "La conversation est supprimée." in (await person.get("/assistant")).text
    assert (await person.get(f"/assistant/conversations/{conversation}")).status_code == 404
    assert (await worker.get(f"/association/conversations/{conversation}")).status_code == 404
    again = await person.post(f"/assistant/conversations/{conversation}/delete")
    assert again.status_code == 303, "sent twice: deleted once, no error"


async def test_a_question_too_long_or_empty_is_refused_next_to_its_field(linked: Household) -> None:
    person = linked.person
    conversation = await started(person)
    for text, said in (("   ", "Écrivez votre question."), ("x" * 2001, "Écrivez 2\u202f000 caractères au plus")):
        refused = await person.post(f"/assistant/conversations/{conversation}/messages", {"text": text})
        assert refused.status_code == 422, refused.text[:300]
        assert 'id="text-error"' in refused.text and 'aria-invalid="true"' in refused.text and said in refused.text
    shown = (await person.api("GET", f"/assistant/v1/conversations/{conversation}")).json()
    assert shown["messages"] == [], "nothing sent"
    page = await person.get(f"/assistant/conversations/{conversation}")
    assert 'maxlength="2000"' in page.text and "N'écrivez pas de noms, d'adresses" in html.unescape(page.text)
    language = await person.post("/assistant/conversations", {"language": "de"})
    assert language.status_code == 422 and 'id="language-error"' in language.text


async def test_the_forms_need_their_csrf_token_and_change_nothing_without_it(linked: Household) -> None:
    person = linked.person
    before = len((await person.api("GET", "/assistant/v1/conversations")).json()["items"])
    assert (await person.post("/assistant/conversations", {"language": "fr"}, csrf=False)).status_code == 403
    assert len((await person.api("GET", "/assistant/v1/conversations")).json()["items"]) == before
    conversation = await started(person)
    sent = await person.post(f"/assistant/conversations/{conversation}/messages", {"text": URGENT}, csrf=False)
    assert sent.status_code == 403
    assert (await person.api("GET", f"/assistant/v1/conversations/{conversation}")).json()["messages"] == []
    for action in ("handover", "delete"):
        assert (await person.post(f"/assistant/conversations/{conversation}/{action}", {"consent": True}, csrf=False)).status_code == 403
    kept = (await person.api("GET", f"/assistant/v1/conversations/{conversation}")).json()
    assert kept["handed_over_at"] is None


async def test_every_role_the_assistant_answers_has_it_in_its_menu_and_no_one_reads_anothers(stack: Stack, linked: Household) -> None:
    mine = await started(linked.person)
    for role in ("owner", "social_worker", "fund_agent"):
        person = stack.browser(role)
        try:
            page = await person.get("/assistant")
            assert page.status_code == 200 and 'href="/assistant" aria-current="page"' in page.text, role
            assert 'href="tel:3919"' in page.text
            conversation = await started(person, "en")
            answered = await asked(person, conversation, "What colour should I paint the kitchen ceiling of my holiday chalet?")
            assert 'href="tel:115"' in answered and 'name="consent"' not in answered, "no hand-over but for a household"
            assert (await person.get(f"/assistant/conversations/{mine}")).status_code == 404, "another's conversation"
        finally:
            await person.aclose()
    ops = stack.browser("ops")
    try:
        assert (await ops.get("/assistant")).status_code == 403
        assert 'href="/assistant"' not in (await ops.get("/")).text
    finally:
        await ops.aclose()
    assert (await linked.person.get("/association/conversations")).status_code == 403


@pytest.mark.parametrize(("language", "title"), [("fr", "Assistant"), ("en", "Assistant"), ("ar", "المساعد"), ("uk", "Асистент")])
async def test_the_pages_speak_each_language_with_no_english_and_no_raw_id(linked: Household, language: str, title: str) -> None:
    person, worker = linked.person, linked.worker
    conversation = await started(person, language)
    question = {"fr": URGENT, "en": URGENT, "ar": "طردني صاحب البيت ولا مكان أنام فيه الليلة مع أطفالي", "uk": "Де моя справа?"}
    pages = {
        "/assistant": await person.get("/assistant", params={"lang": language}),
        "conversation": await person.get(f"/assistant/conversations/{conversation}", params={"lang": language}),
    }
    await asked(person, conversation, question[language])
    pages["answered"] = await person.get(f"/assistant/conversations/{conversation}", params={"lang": language})
    pages["delete"] = await person.get(f"/assistant/conversations/{conversation}/delete", params={"lang": language})
    pages["handed"] = await worker.get("/association/conversations", params={"lang": language})
    for name, page in pages.items():
        assert page.status_code == 200, f"{name}: {page.status_code}"
        assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in page.text, name
        if language != "en":
            found = findings(page.text)
            assert found == [], f"{name} [{language}]: {[str(f) for f in found]}"
    assert f"<h1>{title}</h1>" in pages["/assistant"].text
    assert f'<div lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in pages["answered"].text
    assert html.unescape(question[language]) in html.unescape(pages["answered"].text)


@pytest.mark.parametrize("code", ["fr", "ar", "uk"])
def test_every_text_of_the_assistants_pages_is_translated(code: str) -> None:
    assert problems(code) == []
