"""The fund agent's pages: the review queue by deadline with overdue files marked in words, a file's
review (pre-check, timeline, the tenant's data on request, documents, decisions) and the claims to
validate, each action checked through the guarantees API afterwards.

Files are filed for placements waiting for a guarantee as matching's and listings' events leave them
(``tests.guarantees.support.waiting_placement``); the claims go through the whole journey on the broker
(unit, household, placement, file, approval, lease, guarantee), since a guarantee starts only from a
lease signed in matching.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from abri_guarantees.domain.policy import add_months
from abri_kit.calendar import day_in_france
from tests.guarantees.support import TENANT, waiting_placement
from tests.listings.test_units_api import DRAFT
from tests.matching.invitations import link_in_browsers
from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.support import execute_sql, wait_until
from tests.web.support import Browser, Stack, a_fund

pytestmark = pytest.mark.timeout(300)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REQUIRED = (("identity", "passport"), ("professional_situation", "employment_contract"), ("resources", "payslips"))
"""One document of each category the fund (Visale-like) requires before approving."""
GUERET = {"commune": "Guéret", "postal_code": "23000", "insee_code": "23096", "departement": "23", "latitude": 46.171, "longitude": 1.871}


@dataclass
class FundSide:
    """A fund created by ops, one of its agents, and an association that files with it."""

    fund_id: str
    agent: Browser
    worker: Browser
    ops: Browser
    stack: Stack

    async def filed(self, **tenant: Any) -> dict[str, Any]:
        """A new file of the association for a new placement waiting for a guarantee."""
        placement = await waiting_placement(str(self.worker.org_id), owner=unique("owner-web"))
        body = {"placement_id": placement, "fund_id": self.fund_id, "tenant": {**TENANT, **tenant}}
        answer = await self.worker.api("POST", "/guarantees/v1/files", json=body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def documents(self, file_id: str, *sub_kinds: tuple[str, str]) -> None:
        """The association uploads these documents of the legal list ((kind, sub-kind) pairs); by default
        the three categories a Visale-like fund requires."""
        for kind, sub_kind in sub_kinds or REQUIRED:
            upload = await self.worker.api(
                "POST",
                f"/guarantees/v1/files/{file_id}/documents",
                data={"kind": kind, "sub_kind": sub_kind},
                files={"content": (f"{sub_kind}.pdf", PDF, "application/pdf")},
            )
            assert upload.status_code == 201, upload.text

    async def file(self, file_id: str) -> dict[str, Any]:
        answer = await self.agent.api("GET", f"/guarantees/v1/files/{file_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture(scope="module")
async def side(stack: Stack) -> AsyncIterator[FundSide]:
    ops = stack.browser("ops")
    fund_id = unique("fund-web")
    await a_fund(ops, fund_id, "Fonds solidaire Web")
    ready = FundSide(fund_id, stack.browser("fund_agent", org_id=fund_id), stack.browser("social_worker"), ops, stack)
    yield ready
    for browser in (ready.agent, ready.worker, ready.ops):
        await browser.aclose()


async def reads_of(side: FundSide, file_id: str) -> list[str]:
    """The purposes of the file's access log, oldest first (as the fund reads it from the service)."""
    answer = await side.agent.api("GET", f"/guarantees/v1/files/{file_id}/access-log", params={"limit": 100})
    assert answer.status_code == 200, answer.text
    return [entry["purpose"] for entry in sorted(answer.json()["items"], key=lambda entry: entry["at"])]


# --- the queue -----------------------------------------------------------------------------------------
async def test_the_queue_lists_files_by_deadline_and_says_in_words_which_are_overdue(side: FundSide) -> None:
    late, recent = await side.filed(), await side.filed()
    past = datetime.now(UTC) - timedelta(hours=3)
    await execute_sql("guarantees", "UPDATE guarantee_files SET review_deadline = :d WHERE id = :f", d=past, f=late["id"])

    queue = await side.agent.get("/fund/files")
    assert queue.status_code == 200
    assert '<html lang="fr"' in queue.text and "Dossiers à instruire" in queue.text
    assert queue.text.index(late["id"]) < queue.text.index(recent["id"])  # the nearest deadline first
    assert "En retard" in queue.text
    assert re.search(r"\d+ dossiers? (a|ont) dépassé", queue.text)

    overdue = await side.agent.get("/fund/files", params={"show": "overdue", "lang": "en"})
    assert overdue.status_code == 200 and "Overdue" in overdue.text and "Review queue" in overdue.text
    assert late["id"] in overdue.text and recent["id"] not in overdue.text

    ukrainian = await side.agent.get("/fund/files", params={"lang": "uk"})
    assert '<html lang="uk"' in ukrainian.text and "Черга на розгляд" in ukrainian.text


async def test_each_file_names_its_household_and_its_home_and_the_queue_counts_are_true(side: FundSide) -> None:
    """Pages that say what they are about (issue 20, points 6 and 8): the association's reference for the
    household and the home by its commune, on the queue and as the file's title; each view of the queue
    with its true count, from the service's counts, not the page's length."""
    before = (await side.agent.api("GET", "/guarantees/v1/files/counts")).json()
    placement = await waiting_placement(str(side.worker.org_id), owner=unique("owner-web"))
    await execute_sql(
        "guarantees",
        "UPDATE unit_facts SET insee_code = '34172', postal_code = '34000', rooms = 2, living_area_m2 = 40"
        " WHERE unit_id = (SELECT unit_id FROM placements WHERE placement_id = :p)",
        p=placement,
    )
    reference = unique("HW")
    body = {"placement_id": placement, "fund_id": side.fund_id, "tenant": TENANT, "household_reference": reference}
    named = await side.worker.api("POST", "/guarantees/v1/files", json=body)
    assert named.status_code == 201, named.text
    plain = await side.filed()

    page = html.unescape((await side.agent.get(f"/fund/files/{named.json()['id']}")).text)
    subject = f"Ménage {reference} · Un logement de 2 pièces à Montpellier (Hérault)"
    assert f"<title>Dossier de garantie : {subject}" in page and f"<h1>Dossier de garantie : <bdi>{subject}</bdi></h1>" in page
    older = html.unescape((await side.agent.get(f"/fund/files/{plain['id']}")).text)
    assert "<h1>Dossier de garantie : <bdi>Un logement dans le département 69</bdi></h1>" in older  # filed before the commune was kept

    queue = html.unescape((await side.agent.get("/fund/files")).text)
    assert subject in queue and "Un logement dans le département 69" in queue
    assert plain["id"][:8] not in re.sub(r'href="[^"]*"', "", queue)  # a file is named by what it is about, never by its id
    counts = (await side.agent.api("GET", "/guarantees/v1/files/counts")).json()
    assert counts["in_queue"] == before["in_queue"] + 2 and counts["total"] == before["total"] + 2
    queued, total = counts["in_queue"], counts["total"]
    assert f'value="queue" selected>En attente de décision ({queued})</option>' in queue
    assert f">Tous les dossiers ({total})</option>" in queue and f"{queued} dossiers · En attente de décision" in queue


async def test_a_file_shows_its_precheck_and_timeline_and_the_tenant_only_on_request(side: FundSide) -> None:
    file = await side.filed()
    upload = await side.worker.api(
        "POST",
        f"/guarantees/v1/files/{file['id']}/documents",
        data={"kind": "identity", "sub_kind": "passport"},
        files={"content": ("id.pdf", PDF, "application/pdf")},
    )
    assert upload.status_code == 201, upload.text
    document_id = upload.json()["id"]

    page = await side.agent.get(f"/fund/files/{file['id']}", params={"lang": "en"})
    assert page.status_code == 200
    assert "Rent burden within the fund&#39;s limit" in page.text and "Met" in page.text  # each rule and its result
    assert "Filed by the association" in page.text  # the timeline
    assert "Identity document" in page.text and f"/fund/files/{file['id']}/documents/{document_id}" in page.text
    assert "Documents the fund requires" in page.text and "Incomplete" in page.text  # the checklist, with its source
    assert "Missing: Professional situation, Resources." in page.text
    assert 'href="https://www.visale.fr/vos-questions/faq-locataires/locataire-de-30-ans-ou-moins-suis-je-eligible"' in page.text
    assert str(TENANT["last_name"]) not in page.text and await reads_of(side, file["id"]) == []

    refused = await side.agent.post(f"/fund/files/{file['id']}/tenant", {"purpose": "review_file"}, csrf=False)
    assert refused.status_code == 403 and await reads_of(side, file["id"]) == []
    shown = await side.agent.post(f"/fund/files/{file['id']}/tenant", {"purpose": "check_identity"})
    assert shown.status_code == 200 and str(TENANT["last_name"]) in shown.text and "Oksana" in shown.text
    assert await reads_of(side, file["id"]) == ["check_identity"]

    download = await side.agent.get(f"/fund/files/{file['id']}/documents/{document_id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    assert await reads_of(side, file["id"]) == ["check_identity", "review_file"]


async def test_requesting_information_then_a_refused_approval_changes_nothing(side: FundSide) -> None:
    file = await side.filed()
    empty = await side.agent.post(f"/fund/files/{file['id']}/information-request", {"message": "  "})
    assert empty.status_code == 422 and 'id="message-error"' in empty.text and 'aria-describedby="message-error"' in empty.text
    assert (await side.file(file["id"]))["status"] == "under_review"

    asked = await side.agent.post(
        f"/fund/files/{file['id']}/information-request", {"message": "Merci d'envoyer le dernier avis d'imposition."}
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"/fund/files/{file['id']}"
    after = await side.file(file["id"])
    assert after["status"] == "information_requested"
    assert after["steps"][-1]["message"] == "Merci d'envoyer le dernier avis d'imposition."

    stated = {"missing_reason": "documents_to_follow", "missing_note": "Les bulletins de salaire suivent."}
    refused = await side.agent.post(f"/fund/files/{file['id']}/approval?lang=fr", stated)  # waiting for the association: 409
    assert refused.status_code == 409 and '<html lang="fr"' in refused.text
    said = html.unescape(refused.text)
    assert "Le dossier ou la demande n'est plus à une étape qui le permet (il a pu changer entre-temps)" in said
    assert "cannot approve" not in said and "information_requested" not in said  # never the service's English detail
    english = await side.agent.post(f"/fund/files/{file['id']}/approval?lang=en", stated)
    assert english.status_code == 409 and "The file or the claim is no longer at a step that allows this" in html.unescape(english.text)
    assert (await side.file(file["id"]))["status"] == "information_requested" and (await side.file(file["id"]))["visa"] is None


async def a_visitor_checks_the_visa_on_the_public_page(side: FundSide, number: str) -> None:
    """The page the visa PDF and its QR code open: no account, the number filled in from the address, the
    name in either order."""
    printed = f"{number[:4]}-{number[4:8]}-{number[8:12]}-{number[12]}"
    visitor = side.stack.anonymous()
    try:
        shown = await visitor.get("/visa-check", params={"number": printed})
        assert shown.status_code == 200 and f'value="{printed}"' in shown.text and "Vérifier un visa" in html.unescape(shown.text)
        surname_first = await visitor.post("/visa-check", data={"number": printed, "name": "KOVALENKO-DURAND oksana"})
        assert surname_first.status_code == 200 and "Valide" in surname_first.text, surname_first.text
        assert "KOVALENKO" not in surname_first.text  # the name is never shown back
        wrong = await visitor.post("/visa-check?lang=en", data={"number": printed, "name": "Oksana Durand"})
        assert wrong.status_code == 200 and "Unknown" in wrong.text
        empty = await visitor.post("/visa-check", data={"number": "", "name": ""})
        assert empty.status_code == 422 and 'id="number-error"' in empty.text and 'id="name-error"' in empty.text
    finally:
        await visitor.aclose()


async def test_approving_issues_a_visa_with_its_certificate_and_revoking_it_needs_a_reason(side: FundSide) -> None:
    file = await side.filed()
    await side.documents(file["id"])
    complete = await side.agent.get(f"/fund/files/{file['id']}", params={"lang": "en"})
    assert "Every document the fund requires is in the file." in complete.text and 'name="missing_reason"' not in complete.text
    forged = await side.agent.post(f"/fund/files/{file['id']}/approval", {}, csrf=False)
    assert forged.status_code == 403 and (await side.file(file["id"]))["status"] == "under_review"

    approved = await side.agent.post(f"/fund/files/{file['id']}/approval")
    assert approved.status_code == 303
    visa = (await side.file(file["id"]))["visa"]
    assert visa is not None
    page = await side.agent.get(f"/fund/files/{file['id']}", params={"lang": "en"})
    assert visa["number"] in page.text and f"/fund/files/{file['id']}/visa.pdf" in page.text and "Approved" in page.text

    pdf = await side.agent.get(f"/fund/files/{file['id']}/visa.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.headers["content-disposition"].startswith("attachment")

    await a_visitor_checks_the_visa_on_the_public_page(side, visa["number"])

    no_reason = await side.agent.post(f"/fund/files/{file['id']}/visa/revocation", {"revocation_reason": ""})
    assert no_reason.status_code == 422 and 'id="revocation_reason-error"' in no_reason.text
    assert (await side.agent.api("GET", f"/guarantees/v1/files/{file['id']}/visa")).json()["revoked_on"] is None

    revoked = await side.agent.post(f"/fund/files/{file['id']}/visa/revocation", {"revocation_reason": "error"})
    assert revoked.status_code == 303
    assert (await side.agent.api("GET", f"/guarantees/v1/files/{file['id']}/visa")).json()["status"] == "revoked"
    again = await side.agent.post(f"/fund/files/{file['id']}/visa/revocation?lang=fr", {"revocation_reason": "fraud"})
    assert again.status_code == 409 and "Ce visa est déjà révoqué." in again.text and "was revoked on" not in again.text


async def test_a_visa_issued_before_the_18th_birthday_says_the_lease_waits_for_it(side: FundSide) -> None:
    today = day_in_france(datetime.now(UTC))
    birthday = add_months(today, 1)  # 17 years and 11 months today: the fund takes the request, the lease waits a month
    file = await side.filed(birth_date=birthday.replace(year=birthday.year - 18).isoformat())
    await side.documents(file["id"])
    assert (await side.agent.post(f"/fund/files/{file['id']}/approval")).status_code == 303
    assert (await side.file(file["id"]))["visa"]["lease_not_before"] == birthday.isoformat()
    for lang, words in (("en", "Lease to be signed from (the tenant"), ("fr", "Bail à signer à partir du")):
        page = await side.agent.get(f"/fund/files/{file['id']}", params={"lang": lang})
        assert words in page.text, lang


async def test_approving_without_a_required_document_takes_a_stated_reason_written_to_the_timeline(side: FundSide) -> None:
    file = await side.filed()
    await side.documents(file["id"], ("identity", "passport"), ("resources", "payslips"))
    page = await side.agent.get(f"/fund/files/{file['id']}")
    assert 'name="missing_reason"' in page.text and 'name="missing_note"' in page.text
    assert "Manquant : Situation professionnelle." in page.text

    bare = await side.agent.post(f"/fund/files/{file['id']}/approval")
    assert bare.status_code == 422 and 'id="missing_reason-error"' in bare.text and 'id="missing_note-error"' in bare.text
    too_long = await side.agent.post(f"/fund/files/{file['id']}/approval", {"missing_reason": "other", "missing_note": "x" * 501})
    assert too_long.status_code == 422 and 'id="missing_note-error"' in too_long.text and 'id="missing_reason-error"' not in too_long.text
    assert (await side.file(file["id"]))["status"] == "under_review"  # nothing decided
    refused = await side.agent.api("POST", f"/guarantees/v1/files/{file['id']}/approval")
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "required_documents_missing"

    note = "Contrat de travail vu en entretien, copie à suivre."
    stated = {"missing_reason": "equivalent_proof_seen", "missing_note": note}
    approved = await side.agent.post(f"/fund/files/{file['id']}/approval", stated)
    assert approved.status_code == 303, approved.text
    after = await side.file(file["id"])
    assert after["status"] == "approved" and after["visa"] is not None
    shown = await side.agent.get(f"/fund/files/{file['id']}", params={"lang": "en"})
    assert "Approved without every document the fund requires" in shown.text and "The fund saw an equivalent proof" in shown.text
    assert "Missing: Professional situation" in shown.text and note in shown.text


async def test_rejecting_takes_coded_reasons_in_words(side: FundSide) -> None:
    file = await side.filed()
    page = await side.agent.get(f"/fund/files/{file['id']}", params={"lang": "ar"})
    assert '<html lang="ar" dir="rtl"' in page.text and 'value="resources_not_proven"' in page.text

    none = await side.agent.post(f"/fund/files/{file['id']}/rejection", {"reasons": []})
    assert none.status_code == 422 and "reject-reasons-messages" in none.text and "fr-message--error" in none.text
    assert (await side.file(file["id"]))["status"] == "under_review"

    rejected = await side.agent.post(f"/fund/files/{file['id']}/rejection", {"reasons": ["resources_not_proven", "documents_missing"]})
    assert rejected.status_code == 303
    after = await side.file(file["id"])
    assert after["status"] == "rejected" and sorted(after["reasons"]) == ["documents_missing", "resources_not_proven"]
    shown = await side.agent.get(f"/fund/files/{file['id']}", params={"lang": "en"})
    assert "The resources are not proven" in shown.text and "This file is not waiting for a decision" in shown.text


async def test_another_funds_file_is_not_found_and_other_roles_are_refused(stack: Stack, side: FundSide) -> None:
    file = await side.filed()
    stranger = stack.browser("fund_agent")
    owner, worker = stack.browser("owner"), stack.browser("social_worker")
    try:
        assert (await stranger.get(f"/fund/files/{file['id']}")).status_code == 404
        attempt = await stranger.post(f"/fund/files/{file['id']}/approval")
        assert attempt.status_code == 404 and (await side.file(file["id"]))["status"] == "under_review"
        assert (await stranger.post(f"/fund/files/{file['id']}/tenant", {"purpose": "review_file"})).status_code == 404
        assert (await stranger.get(f"/fund/files/{file['id']}/visa.pdf")).status_code == 404
        assert file["id"] not in (await stranger.get("/fund/files", params={"show": "all"})).text
        for who in (owner, worker):
            for path in ("/fund/files", f"/fund/files/{file['id']}", "/fund/claims"):
                assert (await who.get(path)).status_code == 403, path
    finally:
        for browser in (stranger, owner, worker):
            await browser.aclose()


# --- claims -------------------------------------------------------------------------------------------
async def eventually(read: Callable[[], Awaitable[Any]], expected: Any, what: str) -> None:
    async def reached() -> bool:
        return bool(await read() == expected)

    await wait_until(reached, timeout=90, what=what)


@dataclass
class Claims:
    owner: Browser
    file_id: str
    ids: list[str]


@pytest.fixture(scope="module")
async def claims(stack: Stack, side: FundSide) -> AsyncIterator[Claims]:
    """A guarantee started by a lease signed in matching, ended today, with three damage claims."""
    owner = stack.browser("owner")
    unit = (await owner.api("POST", "/listings/v1/units", json={**DRAFT, **GUERET, "schemes": ["direct_lease"]})).json()
    published = await owner.api("POST", f"/listings/v1/units/{unit['id']}/publish", headers={**owner.bearer, "if-match": '"1"'})
    assert published.status_code == 200, published.text
    body = {**household(unique("FW")), "wanted": {"communes": [GUERET["insee_code"]]}, "needs": {"min_bedrooms": 1}}
    household_id = (await side.worker.api("POST", "/matching/v1/households", json=body)).json()["id"]
    agreed = {"purpose": "guarantee_file", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
    assert (await side.worker.api("POST", f"/matching/v1/households/{household_id}/consents", json=agreed)).status_code == 201

    async def candidates() -> int:
        return (await side.worker.api("GET", f"/matching/v1/units/{unit['id']}/candidates")).status_code

    await eventually(candidates, 200, "matching learns the published unit")
    proposal = {"household_id": household_id, "unit_id": unit["id"], "scheme": "direct_lease"}  # a direct lease to the household
    placement = (await side.worker.api("POST", "/matching/v1/placements", json=proposal)).json()
    accepted = await owner.api("POST", f"/matching/v1/placements/{placement['id']}/accept", json={"require_guarantee": True})
    assert accepted.json()["status"] == "awaiting_guarantee", accepted.text

    answers: list[httpx.Response] = []

    async def filed() -> bool:
        body = {"placement_id": placement["id"], "fund_id": side.fund_id, "tenant": TENANT}
        answers.append(await side.worker.api("POST", "/guarantees/v1/files", json=body))
        return answers[-1].status_code == 201

    await wait_until(filed, timeout=90, what="guarantees learns the placement and its unit")
    file_id = answers[-1].json()["id"]
    await side.documents(file_id)
    assert (await side.agent.api("POST", f"/guarantees/v1/files/{file_id}/approval")).status_code == 200

    async def placement_status() -> str:
        return str((await side.worker.api("GET", f"/matching/v1/placements/{placement['id']}")).json()["status"])

    await eventually(placement_status, "guaranteed", "matching moves the placement on the approval")
    today = day_in_france(datetime.now(UTC)).isoformat()
    lease = {"signed_on": today, "starts_on": today, "lease_type": "direct"}
    assert (await side.worker.api("POST", f"/matching/v1/placements/{placement['id']}/lease", json=lease)).status_code == 200

    async def guarantee() -> int:
        return (await owner.api("GET", f"/guarantees/v1/guarantees/{file_id}")).status_code

    await eventually(guarantee, 200, "the signed lease starts the guarantee")
    ended = await owner.api("POST", f"/guarantees/v1/guarantees/{file_id}/end", json={"ended_on": today})
    assert ended.status_code == 200, ended.text
    person = stack.browser("household", org_id=side.worker.org_id)
    await link_in_browsers(side.worker, person, household_id)
    await both_sign(owner, person, placement["id"], "move_in", today, "good")  # the inventories, signed in matching
    await both_sign(owner, person, placement["id"], "move_out", today, "poor")
    await person.aclose()
    answers.clear()

    async def first_claim() -> bool:  # guarantees learns both inventories from matching's events
        answers.append(await owner.api("POST", f"/guarantees/v1/guarantees/{file_id}/claims", json={"damage_cents": 20_000}))
        assert answers[-1].status_code in (201, 422), answers[-1].text
        return answers[-1].status_code == 201

    await wait_until(first_claim, timeout=90, what="guarantees learns the signed inventories")
    ids = [answers[-1].json()["id"]]
    for damage in (15_000, 10_000):
        claim = await owner.api("POST", f"/guarantees/v1/guarantees/{file_id}/claims", json={"damage_cents": damage})
        assert claim.status_code == 201, claim.text
        ids.append(claim.json()["id"])
    yield Claims(owner, file_id, ids)
    await owner.aclose()


async def both_sign(owner: Browser, person: Browser, placement_id: str, kind: str, day: str, walls: str) -> None:
    """An inventory of the home begun by the owner (a direct lease) and signed by both sides through matching's API."""
    rooms = [{"name": "Séjour", "items": [{"name": "Murs", "condition": walls}, {"name": "Sol", "condition": "good"}]}]
    begun = await owner.api(
        "POST", f"/matching/v1/placements/{placement_id}/inventories", json={"kind": kind, "made_on": day, "rooms": rooms}
    )
    assert begun.status_code == 201, begun.text
    for who in (owner, person):
        signed = await who.api(
            "POST", f"/matching/v1/inventories/{begun.json()['id']}/signatures", json={"content_sha256": begun.json()["content_sha256"]}
        )
        assert signed.status_code == 200, signed.text


async def claim_of(side: FundSide, claim_id: str) -> dict[str, Any]:
    answer = await side.agent.api("GET", f"/guarantees/v1/claims/{claim_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_claims_show_their_arithmetic_and_deadlines(side: FundSide, claims: Claims) -> None:
    first = claims.ids[0]
    months = [
        {"due_on": "2027-01-05", "due_cents": 45_000, "paid_by_tenant_cents": 0, "housing_benefit_cents": 10_000},
        {"due_on": "2027-02-05", "due_cents": 45_000, "paid_by_tenant_cents": 5_000, "housing_benefit_cents": 10_000},
    ]  # what a tenancy's unpaid months look like (a lease signed today has none due yet)
    # and the days the service computes for them under Visale's terms when they are filed (tests/guarantees)
    await execute_sql(
        "guarantees",
        "UPDATE claims SET months = CAST(:m AS jsonb), arrears_cents = 65000, late = CAST(:l AS jsonb), "
        "constituted_on = :constituted, formal_notice_by = :notice, declare_by = :declare WHERE id = :c",
        m=json.dumps(months),
        l=json.dumps(["formal_notice_missing"]),
        c=first,
        constituted=date(2027, 2, 6),
        notice=date(2027, 2, 21),
        declare=date(2027, 3, 8),
    )
    page = await side.agent.get("/fund/claims")
    assert page.status_code == 200 and all(claim_id in page.text for claim_id in claims.ids)
    assert "650,00\u00a0€" in page.text  # the arrears
    assert "300,00\u00a0€" in page.text  # one month's unpaid part: 450 − 100 − 50
    assert "5 janvier 2027" in page.text  # the first unpaid rent
    assert "Aucune mise en demeure n&#39;a été envoyée" in page.text
    english = await side.agent.get("/fund/claims", params={"lang": "en"})
    assert "Damage at the end of the tenancy" in english.text
    assert "Formal notice within 15 days of the claim" in english.text and "s constitution." in english.text  # Visale's anchor
    assert "Arrears constituted on" in english.text and "To be declared to the fund by" in english.text
    assert "February 6, 2027" in english.text and "February 21, 2027" in english.text and "March 8, 2027" in english.text
    assert "1 day(s) after the due date" in english.text
    for lang, words in (
        ("fr", ("Impayé constitué le", "6 février 2027", "21 février 2027", "À déclarer au fonds au plus tard le", "8 mars 2027")),
        ("uk", ("Заборгованість виникла", "Заявити до фонду не пізніше", "8 березня 2027")),
        ("ar", ("تاريخ قيام المتأخرات", "آخر أجل للتصريح للصندوق")),
    ):
        shown = await side.agent.get("/fund/claims", params={"lang": lang})
        assert shown.status_code == 200 and all(word in shown.text for word in words), lang
    damage_only = claims.ids[1]  # damage alone constitutes no arrears: no deadline is shown for it
    assert (await claim_of(side, damage_only))["declare_by"] is None


async def test_a_damage_claims_inventories_are_shown_side_by_side_to_its_fund_only(stack: Stack, side: FundSide, claims: Claims) -> None:
    listed = await side.agent.get("/fund/claims")
    assert f'href="/fund/claims/{claims.ids[0]}/inventories"' in listed.text
    page = await side.agent.get(f"/fund/claims/{claims.ids[0]}/inventories")
    assert page.status_code == 200 and "Entrée et sortie côte à côte" in html.unescape(page.text)
    assert re.search(r"<td><bdi>Murs</bdi></td><td>Bon état</td><td>Mauvais état</td><td>Dégradé</td>", html.unescape(page.text))
    english = await side.agent.get(f"/fund/claims/{claims.ids[0]}/inventories", params={"lang": "en"})
    assert "Items worse or missing" in english.text
    stranger = stack.browser("fund_agent")
    try:
        assert (await stranger.get(f"/fund/claims/{claims.ids[0]}/inventories")).status_code == 404
    finally:
        await stranger.aclose()


async def test_a_claim_is_validated_then_paid_against_its_receipt(side: FundSide, claims: Claims) -> None:
    claim_id = claims.ids[1]
    forged = await side.agent.post(f"/fund/claims/{claim_id}/validation", {}, csrf=False)
    assert forged.status_code == 403 and (await claim_of(side, claim_id))["status"] == "filed"
    validated = await side.agent.post(f"/fund/claims/{claim_id}/validation")
    assert validated.status_code == 303 and (await claim_of(side, claim_id))["status"] == "validated"

    again = await side.agent.post(f"/fund/claims/{claim_id}/validation?lang=fr")  # already validated: 409, said in French
    assert again.status_code == 409 and "Le dossier ou la demande n'est plus à une étape qui le permet" in html.unescape(again.text)
    assert "not filed" not in again.text
    assert (await claim_of(side, claim_id))["status"] == "validated"

    bad = await side.agent.post(f"/fund/claims/{claim_id}/payment", {"subrogation_receipt": "reçu n° 12"})
    assert bad.status_code == 422
    assert f'id="receipt-{claim_id}-error"' in bad.text and f'aria-describedby="receipt-{claim_id}-error"' in bad.text
    assert 'value="reçu n° 12"' in bad.text
    assert (await claim_of(side, claim_id))["status"] == "validated"

    paid = await side.agent.post(f"/fund/claims/{claim_id}/payment", {"subrogation_receipt": "QS-2027-0042"})
    assert paid.status_code == 303
    stored = await claim_of(side, claim_id)
    assert stored["status"] == "paid" and stored["subrogation_receipt"] == "QS-2027-0042" and stored["paid_cents"] == 15_000
    shown = await side.agent.get("/fund/claims", params={"show": "all", "lang": "en"})
    assert "QS-2027-0042" in shown.text and "Paid" in shown.text


async def test_a_claim_is_rejected_with_reasons_and_another_fund_cannot_touch_it(stack: Stack, side: FundSide, claims: Claims) -> None:
    claim_id = claims.ids[2]
    none = await side.agent.post(f"/fund/claims/{claim_id}/rejection", {"reasons": []})
    assert none.status_code == 422 and f"claim-{claim_id}-reasons-messages" in none.text and "fr-message--error" in none.text
    assert (await claim_of(side, claim_id))["status"] == "filed"

    stranger = stack.browser("fund_agent")
    try:
        assert (await stranger.post(f"/fund/claims/{claim_id}/rejection", {"reasons": ["other"]})).status_code == 404
        assert (await stranger.post(f"/fund/claims/{claim_id}/validation")).status_code == 404
        assert claim_id not in (await stranger.get("/fund/claims", params={"show": "all"})).text
    finally:
        await stranger.aclose()
    assert (await claim_of(side, claim_id))["status"] == "filed"

    rejected = await side.agent.post(f"/fund/claims/{claim_id}/rejection", {"reasons": ["amounts_not_proven", "other"]})
    assert rejected.status_code == 303
    stored = await claim_of(side, claim_id)
    assert stored["status"] == "rejected" and stored["rejection_reasons"] == ["amounts_not_proven", "other"]
    handled = await side.agent.get("/fund/claims", params={"lang": "en"})
    assert claim_id not in handled.text  # no longer to handle
    every = await side.agent.get("/fund/claims", params={"show": "all", "lang": "en"})
    assert claim_id in every.text and "The amounts are not proven" in every.text
