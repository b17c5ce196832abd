"""The invitation that links a household's own account to its file, through the pages: the social worker
invites from the household's page (the code and its link shown once, with the expiry), sees it waiting,
revokes it, sees the account linked and unlinks it; the person, signed in with the household role, opens
the link (the code filled in) and links its file. Every refusal is said in the reader's language, and
nothing changes."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.web.support import Browser, Stack

CODE = re.compile(r'id="invitation-code">([0-9A-Z-]{24})<')
LINK = re.compile(r'id="invitation-link">([^<]+)<')


async def registered(worker: Browser) -> dict[str, object]:
    answer = await worker.api("POST", "/matching/v1/households", json=household(unique("IW")))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def invited(worker: Browser, household_id: object) -> tuple[str, str, httpx.Response]:
    """Invite from the household's page: the code and the link it shows (once)."""
    shown = await worker.post(f"/association/households/{household_id}/invitations")
    assert shown.status_code == 200, shown.text
    code, link = CODE.search(shown.text), LINK.search(shown.text)
    assert code and link, shown.text
    return code.group(1), html.unescape(link.group(1)), shown


async def test_the_worker_invites_and_the_person_links_its_file_from_the_link(stack: Stack) -> None:
    worker = stack.browser("social_worker")
    person = stack.browser("household", org_id=worker.org_id)
    try:
        mine = await registered(worker)
        page = await worker.get(f"/association/households/{mine['id']}")
        assert "Aucun compte lié" in page.text and "Inviter le ménage à se connecter" in page.text

        code, link, shown = await invited(worker, mine["id"])
        assert shown.headers["cache-control"] == "no-store"
        assert "Ce code n&#39;est affiché que maintenant" in shown.text or "Ce code n'est affiché que maintenant" in shown.text
        assert "Valable jusqu" in shown.text and "pour un seul usage" in shown.text
        target = urlsplit(link)
        assert target.path == "/invitation" and parse_qs(target.query) == {"code": [code]}
        waiting = await worker.get(f"/association/households/{mine['id']}")
        assert "Invitation en attente" in waiting.text and code not in waiting.text  # never shown again
        assert "En attente du ménage" in waiting.text

        form = await person.get(f"/invitation?{target.query}")
        assert form.status_code == 200 and f'value="{code}"' in form.text and form.headers["referrer-policy"] == "no-referrer"
        linked = await person.post("/invitation", {"code": code})
        assert linked.status_code == 303 and linked.headers["location"] == "/household"
        file = await person.get("/household")
        assert str(mine["reference"]) in file.text and "Votre dossier est lié à votre compte" in html.unescape(file.text)
        assert "Votre compte a été lié à votre dossier (vous avez accepté l" in html.unescape(file.text)  # in who read my data
        again = await person.get("/invitation", params={"lang": "en"})
        assert "Your account is already linked to your file." in again.text

        seen = html.unescape((await worker.get(f"/association/households/{mine['id']}")).text)
        assert "Lié à un compte" in seen and "Acceptée : le compte est lié" in seen
        assert "Compte du ménage lié à son dossier (invitation acceptée)" in seen  # the access log
        unlinked = await worker.post(f"/association/households/{mine['id']}/account/unlink")
        assert unlinked.status_code == 303
        after = html.unescape((await worker.get(f"/association/households/{mine['id']}")).text)
        assert "Le compte du ménage est délié" in after and "Aucun compte lié" in after
        assert "Compte du ménage délié de son dossier" in after
        nothing = await person.get("/household", params={"lang": "en"})
        assert str(mine["reference"]) not in nothing.text and "I have a code: link my file" in nothing.text
    finally:
        await worker.aclose()
        await person.aclose()


async def test_a_code_that_links_nothing_is_said_in_each_language_and_changes_nothing(stack: Stack) -> None:
    worker = stack.browser("social_worker")
    person = stack.browser("household", org_id=worker.org_id)
    try:
        mine = await registered(worker)
        code, _, _ = await invited(worker, mine["id"])
        newer, _, _ = await invited(worker, mine["id"])  # replaces the first
        said = {
            "fr": "Ce code ne correspond à aucun dossier",
            "en": "This code links no file",
            "ar": "هذا الرمز لا يربط أي ملف",
            "uk": "Цей код не прив'язує жодної справи",
        }
        for lang, sentence in said.items():
            refused = await person.post(f"/invitation?lang={lang}", {"code": code})
            assert refused.status_code == 422 and sentence in html.unescape(refused.text), (lang, refused.text[-2000:])
            assert "links no household" not in refused.text  # never the service's English detail
        empty = await person.post("/invitation?lang=en", {"code": " "})
        assert empty.status_code == 422 and "Enter the code your association gave you." in empty.text

        page = html.unescape((await worker.get(f"/association/households/{mine['id']}")).text)
        assert "Révoquée (ou remplacée par une plus récente)" in page and "Invitation en attente" in page
        pending = re.search(r'action="(/association/households/[^"]+/invitations/[^"]+/revoke)"', page)
        assert pending
        revoked = await worker.post(pending.group(1))
        assert revoked.status_code == 303
        gone = await person.post("/invitation?lang=en", {"code": newer})
        assert gone.status_code == 422 and "This code links no file" in gone.text
        twice = await worker.post(pending.group(1))
        assert twice.status_code == 303
        told = html.unescape((await worker.get(f"/association/households/{mine['id']}")).text)
        assert "Cette invitation n'est plus en attente" in told
        record = (await worker.api("GET", f"/matching/v1/households/{mine['id']}")).json()
        assert record["account_subject"] is None
    finally:
        await worker.aclose()
        await person.aclose()


async def test_an_account_already_linked_is_refused_in_words_and_the_pages_keep_to_their_roles(stack: Stack) -> None:
    worker, stranger = stack.browser("social_worker"), stack.browser("social_worker")
    person = stack.browser("household", org_id=worker.org_id)
    try:
        first, second = await registered(worker), await registered(worker)
        code, _, _ = await invited(worker, first["id"])
        assert (await person.post("/invitation", {"code": code})).status_code == 303
        other, _, _ = await invited(worker, second["id"])
        refused = await person.post("/invitation?lang=uk", {"code": other})
        assert refused.status_code == 409 and "Ваш обліковий запис уже прив'язано до справи домогосподарства" in html.unescape(refused.text)
        linked = await worker.post(f"/association/households/{first['id']}/invitations")
        assert linked.status_code == 303  # back to the household's page, saying why
        said = html.unescape((await worker.get(f"/association/households/{first['id']}")).text)
        assert "Le dossier de ce ménage est déjà lié à un compte" in said

        assert (await stranger.post(f"/association/households/{second['id']}/invitations")).status_code == 404
        assert (await stranger.post(f"/association/households/{first['id']}/account/unlink")).status_code == 404
        assert (await person.post(f"/association/households/{second['id']}/invitations")).status_code == 403
        assert (await worker.get("/invitation")).status_code == 403
        assert (await person.post("/invitation", {"code": other}, csrf=False)).status_code == 403
        async with stack.anonymous() as anonymous:
            answer = await anonymous.get(f"/invitation?code={other}")
        assert answer.status_code == 303  # the code comes back after the sign-in
        assert parse_qs(urlsplit(answer.headers["location"]).query)["return_to"] == [f"/invitation?code={other}"]
        assert (await worker.api("GET", f"/matching/v1/households/{second['id']}")).json()["account_subject"] is None
    finally:
        for browser in (worker, stranger, person):
            await browser.aclose()
