"""The household's pages: a household signed in sees the file its association registered for its own
account (never the association's other households), reads its personal data on request (a logged read
it then sees in its access log, with the association's readings), its consents and how to withdraw one."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.matching.invitations import link_in_browsers
from tests.matching.test_households_api import SECRETS, household
from tests.notifications.support import unique
from tests.web.support import Browser, Stack, a_fund


@dataclass
class Association:
    worker: Browser

    async def register(self, person: Browser | None, **changes: Any) -> dict[str, Any]:
        """A household of the association, linked to ``person``'s account by an invitation it accepted."""
        answer = await self.worker.api("POST", "/matching/v1/households", json=household(unique("HW"), **changes))
        assert answer.status_code == 201, answer.text
        if person is None:
            return dict(answer.json())
        return await link_in_browsers(self.worker, person, answer.json()["id"])

    async def access_log(self, household_id: str) -> list[dict[str, Any]]:
        answer = await self.worker.api("GET", f"/matching/v1/households/{household_id}/access-log")
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])


@pytest.fixture(scope="module")
async def association(stack: Stack) -> AsyncIterator[Association]:
    worker = stack.browser("social_worker")
    yield Association(worker)
    await worker.aclose()


async def test_a_household_sees_its_own_file_and_its_own_reading_in_the_access_log(stack: Stack, association: Association) -> None:
    person = stack.browser("household", org_id=association.worker.org_id)
    try:
        mine = await association.register(person, children=2)
        other = await association.register(None)
        await association.worker.api("GET", f"/matching/v1/households/{mine['id']}/personal-data", params={"purpose": "contact"})

        page = await person.get("/household")
        assert page.status_code == 200 and '<html lang="fr"' in page.text
        assert mine["reference"] in page.text and other["reference"] not in page.text
        assert "1 adulte" in page.text and "2 enfants" in page.text
        assert "Rechercher un logement pour vous parmi les logements proposés sur Abri" in page.text  # the consent to matching
        assert "Prévenez le travailleur social qui vous accompagne" in page.text  # how to withdraw it
        assert 'href="/inbox"' in page.text
        assert "Votre association" in page.text and "Prise de contact avec vous" in page.text  # the association's reading
        assert SECRETS["last_name"] not in page.text  # personal data only on request

        shown = await person.post("/household/personal-data")
        assert shown.status_code == 200
        assert SECRETS["last_name"] in shown.text and SECRETS["email"] in shown.text and "Violences conjugales" in shown.text
        assert "Vous avez demandé à consulter vos données" in shown.text and ">Vous<" in shown.text
        log = await association.access_log(mine["id"])
        assert [(entry["actor"], entry["purpose"]) for entry in log][-1] == (person.subject, "household_own_request")

        english = await person.get("/household", params={"lang": "en"})
        assert "You asked to see your data" in english.text and "My consents" in english.text
        arabic = await person.get("/household", params={"lang": "ar"})
        assert '<html lang="ar" dir="rtl"' in arabic.text and "موافقاتي" in arabic.text
    finally:
        await person.aclose()


async def test_reading_my_data_needs_the_forms_token_and_changes_nothing_without_it(stack: Stack, association: Association) -> None:
    person = stack.browser("household", org_id=association.worker.org_id)
    try:
        mine = await association.register(person)
        refused = await person.post("/household/personal-data", csrf=False)
        assert refused.status_code == 403 and SECRETS["last_name"] not in refused.text
        assert [entry["purpose"] for entry in await association.access_log(mine["id"])] == ["account_linked"]  # no reading
    finally:
        await person.aclose()


async def test_a_household_without_a_file_is_told_to_ask_its_association(stack: Stack) -> None:
    person = stack.browser("household")
    try:
        page = await person.get("/household", params={"lang": "uk"})
        assert page.status_code == 200 and "До вашого облікового запису ще не прив'язано жодної справи." in page.text
        read = await person.post("/household/personal-data")
        assert read.status_code == 200 and "Show my personal data" not in read.text
    finally:
        await person.aclose()


async def test_other_roles_get_403_and_a_household_gets_403_on_the_funds_pages(stack: Stack) -> None:
    owner, worker, person = stack.browser("owner"), stack.browser("social_worker"), stack.browser("household")
    try:
        for who in (owner, worker):
            assert (await who.get("/household")).status_code == 403
            assert (await who.post("/household/personal-data")).status_code == 403
        assert (await person.get("/fund/files")).status_code == 403
        assert (await person.get("/owner/units")).status_code == 403
    finally:
        for browser in (owner, worker, person):
            await browser.aclose()


async def test_a_household_follows_the_proposals_of_a_home_made_for_it(stack: Stack, association: Association) -> None:
    from tests.web.test_pages_association import known_to_matching, place, published_unit

    person, owner = stack.browser("household", org_id=association.worker.org_id), stack.browser("owner")
    try:
        where = place()
        unit = await published_unit(owner, where)
        mine = await association.register(person, wanted={"communes": [where["insee_code"]]}, needs={"min_bedrooms": 1})
        await known_to_matching(association.worker, unit["id"])
        proposal = {"household_id": mine["id"], "unit_id": unit["id"], "scheme": "intermediated_letting"}
        assert (await association.worker.api("POST", "/matching/v1/placements", json=proposal)).status_code == 201
        page = await person.get("/household", params={"lang": "en"})
        assert page.status_code == 200 and "My housing proposals" in page.text
        assert "Proposed" in page.text and "Intermediated letting" in page.text
    finally:
        await person.aclose()
        await owner.aclose()


async def test_a_household_sees_its_guarantee_file_step_by_step_and_its_visa(stack: Stack, association: Association) -> None:
    """Like DossierFacile's steps: where the file stands, which papers the fund has and which it still
    waits for, then the visa with its certificate (downloaded through the export: a logged read)."""
    import io
    import os

    import pypdf

    from tests.web.test_export import consent
    from tests.web.test_pages_association import file_guarantee, known_to_matching, place, published_unit, upload

    person, owner, ops = stack.browser("household", org_id=association.worker.org_id), stack.browser("owner"), stack.browser("ops")
    fund = f"fund-hh-{os.urandom(3).hex()}"
    agent = stack.browser("fund_agent", org_id=fund)
    worker = association.worker
    try:
        await a_fund(ops, fund, "Fonds Solidaire Ménage")
        where = place()
        mine = await association.register(person, wanted={"communes": [where["insee_code"]]}, needs={"min_bedrooms": 1})
        await consent(worker, mine["id"], "guarantee_file")
        unit = await published_unit(owner, where)
        await known_to_matching(worker, unit["id"])
        proposal = {"household_id": mine["id"], "unit_id": unit["id"], "scheme": "intermediated_letting"}
        placement = await worker.api("POST", "/matching/v1/placements", json=proposal)
        assert placement.status_code == 201, placement.text
        accepted = await owner.api("POST", f"/matching/v1/placements/{placement.json()['id']}/accept", json={"require_guarantee": True})
        assert accepted.status_code == 200, accepted.text
        file_id = await file_guarantee(worker, placement.json()["id"], fund)
        assert (await upload(worker, file_id, "identity", "passport")).status_code == 303

        reading = await person.get("/household")
        assert reading.status_code == 200, reading.text
        said = html.unescape(reading.text)
        assert "Ma garantie de loyer" in said and "Dossier envoyé à Fonds Solidaire Ménage" in said
        assert "Le fonds étudie votre dossier" in said and "Étape 2 sur 3" in said and "La réponse du fonds" in said
        assert "Reçu" in said and "Encore à fournir" in said  # the identity document in; the resources still needed
        assert "Mon visa" not in said

        missing = {"missing_documents": {"reason": "documents_to_follow", "note": "Les bulletins suivent."}}
        approved = await agent.api("POST", f"/guarantees/v1/files/{file_id}/approval", json=missing)
        assert approved.status_code == 200, approved.text
        visa = (await worker.api("GET", f"/guarantees/v1/files/{file_id}/visa")).json()
        number = visa["number"]
        decided = html.unescape((await person.get("/household")).text)
        assert "Accepté : votre visa est prêt" in decided and "Étape 3 sur 3" in decided
        assert f"{number[:4]}-{number[4:8]}-{number[8:12]}-{number[12]}" in decided and "Valide" in decided
        assert "À fournir avant le bail" in decided  # approved with papers to follow
        assert visa["token"] not in decided
        link = f"/household/guarantees/{file_id}/visa.pdf"
        assert link in decided
        pdf = await person.get(link)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
        assert "/visa-check?number=" in text
        log = await worker.api("GET", f"/guarantees/v1/files/{file_id}/access-log", params={"limit": 100})
        assert "export" in [entry["purpose"] for entry in log.json()["items"]]  # the certificate names the holder: a logged read

        arabic = await person.get("/household", params={"lang": "ar"})
        assert "تأشيرتي" in arabic.text and "ضمان إيجاري" in arabic.text
        stranger = stack.browser("household", org_id=association.worker.org_id)
        try:
            await association.register(stranger)
            assert (await stranger.get(link)).status_code == 404  # another household's visa
        finally:
            await stranger.aclose()
    finally:
        for browser in (person, owner, ops, agent):
            await browser.aclose()
