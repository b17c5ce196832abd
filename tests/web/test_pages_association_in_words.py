"""Every page in the reader's language (issue 20): no English sentence and no raw id (UUID, organisation id,
INSEE code, MIME type, code) on the pages of each role in French, Arabic and Ukrainian, along a whole
journey (a unit published, a household proposed, accepted with a guarantee, filed with a document, approved);
the placement's page names its home and its household, and its guarantee follows the fund's decision;
errors are pages in the visitor's language for browsers and problem+json for programs; every page below the
home has its breadcrumb; the legal notice and the accessibility statement say what the law asks."""

from __future__ import annotations

import html
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.matching.invitations import link_in_browsers
from tests.support import wait_until
from tests.web.in_words import findings
from tests.web.support import Browser, Stack, a_fund
from tests.web.test_pages_association import (
    PDF,
    file_guarantee,
    household_form,
    known_to_matching,
    place,
    published_unit,
    unique_code,
    upload,
)

pytestmark = pytest.mark.timeout(600)
LANGUAGES = ("fr", "ar", "uk")
HTML = {"accept": "text/html,application/xhtml+xml"}


@dataclass
class Journey:
    """A whole journey's people and resources, for the pages to be walked."""

    worker: Browser
    owner: Browser
    agent: Browser
    person: Browser
    fund_id: str
    commune: str
    household_id: str
    unit_id: str
    placement_id: str
    file_id: str
    searching_id: str
    """A household still searching, with a published unit of its commune: its best units, explained."""
    open_unit_id: str
    insee_code: str


@pytest.fixture(scope="module")
async def journey(stack: Stack) -> AsyncIterator[Journey]:
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    fund_id = f"fund-web-{os.urandom(3).hex()}"
    ops = stack.browser("ops")
    await a_fund(ops, fund_id, "Fonds Solidaire du Test")
    await ops.aclose()
    agent = stack.browser("fund_agent", org_id=fund_id)
    person = stack.browser("household", org_id=worker.org_id)
    where = place()
    unit = await published_unit(owner, where)
    answer = await worker.post(
        "/association/households/new",
        household_form(unique_code("W"), commune=where["insee_code"], consents=["matching", "guarantee_file", "notifications"]),
    )
    assert answer.status_code == 303, answer.text
    household_id = answer.headers["location"].rsplit("/", 1)[-1]
    await link_in_browsers(worker, person, household_id)
    await known_to_matching(worker, unit["id"])
    chosen = {"household_id": household_id, "unit_id": unit["id"], "scheme": "intermediated_letting"}
    proposal = await worker.post("/association/propose", chosen)
    assert proposal.status_code == 303, proposal.text
    placement_id = proposal.headers["location"].rsplit("/", 1)[-1]
    accepted = await owner.api("POST", f"/matching/v1/placements/{placement_id}/accept", json={"require_guarantee": True})
    assert accepted.json()["status"] == "awaiting_guarantee", accepted.text
    file_id = await file_guarantee(worker, placement_id, fund_id)
    for kind, sub_kind in (("identity", "passport"), ("professional_situation", "employment_contract"), ("resources", "payslips")):
        assert (await upload(worker, file_id, kind, sub_kind, PDF)).status_code == 303
    open_unit = await published_unit(owner, where)
    searching = await worker.post("/association/households/new", household_form(unique_code("S"), commune=where["insee_code"]))
    assert searching.status_code == 303, searching.text
    await known_to_matching(worker, open_unit["id"])
    try:
        yield Journey(
            worker, owner, agent, person, fund_id, where["commune"], household_id, unit["id"], placement_id, file_id,
            searching.headers["location"].rsplit("/", 1)[-1], open_unit["id"], where["insee_code"],
        )  # fmt: skip
    finally:
        for browser in (worker, owner, agent, person):
            await browser.aclose()


async def approved(journey: Journey) -> None:
    """The fund approves the file (once), and matching moves the placement."""
    current = await journey.agent.api("GET", f"/guarantees/v1/files/{journey.file_id}")
    if current.json()["status"] != "approved":
        assert (await journey.agent.api("POST", f"/guarantees/v1/files/{journey.file_id}/approval")).status_code == 200

    async def guaranteed() -> bool:
        answer = await journey.worker.api("GET", f"/matching/v1/placements/{journey.placement_id}")
        return bool(answer.json()["status"] == "guaranteed")

    await wait_until(guaranteed, timeout=90, what="matching moves the placement on the approval")


async def test_the_placement_names_its_home_and_household_and_its_guarantee_follows_the_funds_decision(journey: Journey) -> None:
    before = await journey.worker.get(f"/association/placements/{journey.placement_id}", params={"lang": "fr"})
    assert before.status_code == 200
    assert journey.commune in html.unescape(before.text)  # the home, by its commune (an apostrophe is escaped)
    assert "Appartement" in before.text or "Maison" in before.text or "Studio" in before.text or "Chambre" in before.text
    location = (await journey.owner.api("GET", f"/listings/v1/units/{journey.unit_id}/location")).json()
    assert location["street"] in html.unescape(before.text)  # accepted: the association is given the street
    reference = (await journey.worker.api("GET", f"/matching/v1/households/{journey.household_id}")).json()["reference"]
    assert f"<bdi>{reference}</bdi>" in before.text  # the household's reference, isolated from the text around it
    assert "Demandée" not in before.text and "En cours d&#39;instruction" in before.text  # the file is under review

    await approved(journey)
    after = await journey.worker.get(f"/association/placements/{journey.placement_id}", params={"lang": "fr"})
    guarantee = re.search(r"<dt>Garantie</dt><dd>(.*?)</dd>", after.text, re.S)
    assert guarantee and "Approuvé" in guarantee.group(1), after.text[:3000]

    listed = await journey.worker.get("/association/placements", params={"lang": "fr"})
    assert journey.commune in html.unescape(listed.text)  # the list names each home too
    record = await journey.worker.get(f"/association/households/{journey.household_id}", params={"lang": "fr"})
    assert journey.commune in html.unescape(record.text)  # and so does the household's page, for each of its placements


async def test_no_page_of_any_role_shows_an_english_sentence_or_a_raw_id(journey: Journey) -> None:
    await approved(journey)
    pages: dict[str, tuple[Browser, tuple[str, ...]]] = {
        "association": (
            journey.worker,
            (
                "/",
                "/association/households",
                f"/association/households/{journey.household_id}",
                "/association/units",
                "/association/suggestions",
                "/association/placements",
                f"/association/placements/{journey.placement_id}",
                "/association/files",
                f"/association/files/{journey.file_id}",
                f"/association/households/{journey.searching_id}/matches",
                f"/association/units/{journey.open_unit_id}?commune={journey.insee_code}",
                "/inbox",
                "/preferences",
            ),
        ),
        "owner": (
            journey.owner,
            ("/owner/units", f"/owner/units/{journey.unit_id}", "/owner/proposals", "/owner/guarantees", "/owner/visa-check"),
        ),
        "fund": (journey.agent, ("/fund/files", "/fund/files?show=all", f"/fund/files/{journey.file_id}", "/fund/claims")),
        "household": (journey.person, ("/household",)),
        "everyone": (journey.worker, ("/accessibility", "/privacy", "/legal-notice")),
    }
    matches = await journey.worker.get(f"/association/households/{journey.searching_id}/matches", params={"lang": "fr"})
    assert "Pourquoi ce rapprochement" in matches.text  # the explained match is among the pages walked
    found: list[str] = []
    for role, (browser, paths) in pages.items():
        for path in paths:
            for language in LANGUAGES:
                answer = await browser.get(f"{path}{'&' if '?' in path else '?'}lang={language}", follow_redirects=True)
                assert answer.status_code == 200, f"{path} [{language}]: {answer.status_code}"
                found += [f"{role} {path} [{language}] {finding}" for finding in findings(answer.text)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(("language", "title"), [("fr", "Page introuvable"), ("ar", "الصفحة غير موجودة"), ("uk", "Сторінку не знайдено")])
async def test_an_unknown_address_is_a_page_in_the_visitors_language_and_stays_problem_json_for_programs(
    stack: Stack, language: str, title: str
) -> None:
    async with stack.anonymous() as anonymous:
        page = await anonymous.get("/no-such-page", params={"lang": language}, headers=HTML)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert f"<h1>{title}</h1>" in page.text and f'lang="{language}"' in page.text
        assert findings(page.text) == []
        program = await anonymous.get("/no-such-page", headers={"accept": "application/json"})
        assert program.status_code == 404 and program.headers["content-type"].startswith("application/problem+json")
        api = await anonymous.get("/api/matching/v1/no-such-thing", headers=HTML)
        assert api.status_code in (401, 404) and "json" in api.headers["content-type"]


async def test_a_page_for_another_role_and_a_failing_page_answer_in_the_visitors_language(stack: Stack) -> None:
    owner = stack.browser("owner")
    try:
        refused = await owner.get("/association/households", params={"lang": "uk"}, headers=HTML)
        assert refused.status_code == 403 and 'lang="uk"' in refused.text and "<h1>Доступ заборонено</h1>" in refused.text

        async def failing() -> None:
            raise RuntimeError("a page's bug")

        stack.gateway_app.site.add_api_route("/test-failing-page", failing, include_in_schema=False)
        failed = await owner.get("/test-failing-page", params={"lang": "ar"}, headers=HTML)
        assert failed.status_code == 500 and failed.headers["content-type"].startswith("text/html")
        assert 'dir="rtl"' in failed.text and "a page&#39;s bug" not in failed.text and findings(failed.text) == []
    finally:
        await owner.aclose()


async def test_every_page_below_the_home_has_its_breadcrumb(stack: Stack) -> None:
    worker = stack.browser("social_worker")
    try:
        home = await worker.get("/", params={"lang": "fr"})
        assert "fr-breadcrumb" not in home.text
        listed = await worker.get("/association/households", params={"lang": "fr"})
        crumbs = re.search(r'<nav class="fr-breadcrumb[^"]*" aria-label="([^"]+)">(.*?)</nav>', listed.text, re.S)
        assert crumbs and crumbs.group(1) == "Vous êtes ici :"
        assert '<a class="fr-breadcrumb__link" href="/">Accueil</a>' in crumbs.group(2)
        assert '<a class="fr-breadcrumb__link" aria-current="page">Ménages</a>' in crumbs.group(2)
        new = await worker.get("/association/households/new", params={"lang": "fr"})
        crumbs = re.search(r'<nav class="fr-breadcrumb.*?</nav>', new.text, re.S)
        assert crumbs and 'href="/association/households">Ménages</a>' in crumbs.group(0)
        async with stack.anonymous() as anonymous:
            for path in ("/accessibility", "/privacy", "/legal-notice"):
                public = await anonymous.get(path, params={"lang": "ar"})
                assert 'class="fr-breadcrumb' in public.text and 'href="/">' in public.text, path
    finally:
        await worker.aclose()


async def test_the_legal_notice_and_the_accessibility_statement_say_what_the_law_asks(stack: Stack) -> None:
    async with stack.anonymous() as anonymous:
        notice = await anonymous.get("/legal-notice", params={"lang": "fr"})
        assert notice.status_code == 200
        for heading in ("Éditeur", "Directeur de la publication", "Hébergeur"):
            assert f"<h2>{heading}</h2>" in notice.text, heading
        assert notice.text.count("Pas encore renseigné") == 3  # the deployment has not filled them: said, never made up
        assert 'href="/legal-notice"' in notice.text  # in the footer of every page
        statement = await anonymous.get("/accessibility", params={"lang": "fr"})
        for words in ("5 décembre 2026", "non conforme", "Défenseur des droits", "Libre réponse 71120", "RGAA 4.1"):
            assert words in statement.text, words
