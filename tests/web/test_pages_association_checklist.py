"""The association's guarantee-file page shows the checklist of the documents the fund requires (guarantees'
``GET /v1/files/{id}/checklist``, which the association reads for its own files): present, missing while
the file is reviewed, "to follow" once the fund approved it with documents to follow (the association
still adds them then), in the four languages, through the real services."""

from __future__ import annotations

import html
import re

import pytest

from tests.web.support import Stack
from tests.web.test_pages_association import awaiting_guarantee, file_guarantee, new_fund, upload

pytestmark = pytest.mark.timeout(600)


def checklist_rows(page: str) -> dict[str, str]:
    """The checklist's table: each category's words in the file column (tags left out), by its category."""
    section = re.search(r'<section[^>]*id="checklist".*?</section>', page, re.S)
    assert section, "no checklist on the page"
    rows: dict[str, str] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section.group(0), re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", " ", cell)).split() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        if cells:
            rows[" ".join(cells[0])] = " ".join(cells[-1])
    return rows


async def test_the_file_page_shows_what_the_fund_requires_present_missing_then_to_follow(stack: Stack) -> None:
    worker, owner, other = stack.browser("social_worker"), stack.browser("owner"), stack.browser("social_worker")
    agent = None
    try:
        fund_id = await new_fund(stack)  # its policy requires the identity, professional situation and resources documents
        _household_id, placement_id = await awaiting_guarantee(stack, worker, owner)
        file_id = await file_guarantee(worker, placement_id, fund_id)
        assert (await upload(worker, file_id, "identity", "passport")).status_code == 303

        page = await worker.get(f"/association/files/{file_id}", params={"lang": "en"})
        assert page.status_code == 200 and "Documents the fund requires" in page.text
        assert "Missing: proof of professional situation, proof of resources." in page.text
        assert checklist_rows(page.text) == {
            "Identity document": "Present 1 document",
            "Proof of address": "Not required",
            "Proof of professional situation": "Missing",
            "Proof of resources": "Missing",
        }
        assert "visale.fr" in page.text  # the fund's page the checklist comes from
        assert "Optional for this fund" in page.text  # proof of address, on its upload form

        french = await worker.get(f"/association/files/{file_id}", params={"lang": "fr"})
        assert "Pièces exigées par le fonds" in french.text
        assert "Manquant : justificatif de situation professionnelle, justificatif de ressources." in html.unescape(french.text)
        assert checklist_rows(french.text)["Pièce d'identité"] == "Présente 1 pièce"
        for lang, heading in (("ar", "الوثائق التي يشترطها الصندوق"), ("uk", "Документи, яких вимагає фонд")):
            translated = await worker.get(f"/association/files/{file_id}", params={"lang": lang})
            assert translated.status_code == 200 and heading in translated.text and "Documents the fund requires" not in translated.text
        assert (await other.get(f"/association/files/{file_id}")).status_code == 404  # another association's file

        agent = stack.browser("fund_agent", org_id=fund_id)  # the fund approves with the two documents to follow
        to_follow = {"missing_documents": {"reason": "documents_to_follow", "note": "Payslips and contract seen, copies follow."}}
        approved = await agent.api("POST", f"/guarantees/v1/files/{file_id}/approval", json=to_follow)
        assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text

        page = await worker.get(f"/association/files/{file_id}", params={"lang": "en"})
        assert "The fund approved the file with these documents to follow: proof of professional situation, proof of resources." in (
            page.text
        )
        rows = checklist_rows(page.text)
        assert rows["Proof of professional situation"] == "To follow" and rows["Proof of resources"] == "To follow"
        assert 'name="kind" value="resources"' in page.text  # the association still adds them after the approval
        assert (await upload(worker, file_id, "resources", "payslips")).status_code == 303
        assert (await upload(worker, file_id, "professional_situation", "employment_contract")).status_code == 303

        page = await worker.get(f"/association/files/{file_id}", params={"lang": "en"})
        assert "Every document the fund requires is in the file." in page.text
        assert checklist_rows(page.text)["Proof of resources"] == "Present 1 document"
        checklist = (await worker.api("GET", f"/guarantees/v1/files/{file_id}/checklist")).json()
        assert checklist["complete"] is True and checklist["missing"] == []
    finally:
        for browser in (worker, owner, other, *([agent] if agent else [])):
            await browser.aclose()
