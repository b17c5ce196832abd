"""The association's guarantee files in pages, filtered by status (issue 20: "paged and filtered lists ...
with counts that are true"): each view with the guarantees service's true count, the filter as links that
work without JavaScript (the one shown marked ``aria-current``), the next page keeping the filter."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from abri_gateway.web.pages.association import files as files_page
from tests.guarantees.support import TENANT, waiting_placement
from tests.notifications.support import unique
from tests.support import execute_sql
from tests.web.support import Browser, Stack, a_fund

pytestmark = pytest.mark.timeout(300)
FILE_LINK = re.compile(r'href="/association/files/([0-9a-f-]{36})"')


@dataclass
class Filed:
    """An association (its own organisation: its counts are its files only) with three files sent to a
    fund: two under review, one withdrawn."""

    worker: Browser
    under_review: list[str]
    withdrawn: str


@pytest.fixture(scope="module")
async def filed(stack: Stack) -> AsyncIterator[Filed]:
    ops = stack.browser("ops")
    fund_id = unique("fund-files")
    await a_fund(ops, fund_id, "Fonds des dossiers")
    worker = stack.browser("social_worker")
    ids = []
    for _ in range(3):
        placement = await waiting_placement(str(worker.org_id), owner=unique("owner-files"))
        answer = await worker.api("POST", "/guarantees/v1/files", json={"placement_id": placement, "fund_id": fund_id, "tenant": TENANT})
        assert answer.status_code == 201 and answer.json()["status"] == "under_review", answer.text
        ids.append(answer.json()["id"])
    await execute_sql("guarantees", "UPDATE guarantee_files SET status = 'withdrawn' WHERE id = :f", f=ids[2])
    yield Filed(worker, ids[:2], ids[2])
    for browser in (ops, worker):
        await browser.aclose()


def listed(page: str) -> set[str]:
    return set(FILE_LINK.findall(page))


async def test_each_status_has_its_true_count_and_the_filter_keeps_only_that_status(filed: Filed) -> None:
    counts = (await filed.worker.api("GET", "/guarantees/v1/files/counts")).json()
    assert counts["by_status"]["under_review"] == 2 and counts["by_status"]["withdrawn"] == 1 and counts["total"] == 3

    every = html.unescape((await filed.worker.get("/association/files")).text)
    assert '<a class="fr-tag" href="/association/files?show=all" aria-current="page">Tous les dossiers (3)</a>' in every
    assert '<a class="fr-tag" href="/association/files?show=queue">En attente de décision (2)</a>' in every
    assert '<a class="fr-tag" href="/association/files?show=withdrawn">Retiré (1)</a>' in every
    assert '<a class="fr-tag" href="/association/files?show=approved">Approuvé (0)</a>' in every
    assert listed(every) == {*filed.under_review, filed.withdrawn}

    withdrawn = html.unescape((await filed.worker.get("/association/files", params={"show": "withdrawn"})).text)
    assert listed(withdrawn) == {filed.withdrawn}
    assert 'href="/association/files?show=withdrawn" aria-current="page">Retiré (1)</a>' in withdrawn
    assert "Dossiers de garantie : Retiré" in withdrawn  # the table's caption names the view

    queue = (await filed.worker.get("/association/files", params={"show": "queue"})).text
    assert listed(queue) == set(filed.under_review)
    empty = (await filed.worker.get("/association/files", params={"show": "approved"})).text
    assert listed(empty) == set() and "Aucun dossier à afficher." in empty
    unknown = (await filed.worker.get("/association/files", params={"show": "nonsense"})).text  # an unknown view: every file
    assert listed(unknown) == listed(every)


async def test_the_next_page_keeps_the_filter_and_leads_back_to_the_first(filed: Filed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files_page, "PER_PAGE", 1)
    first = html.unescape((await filed.worker.get("/association/files", params={"show": "queue"})).text)
    assert len(listed(first)) == 1 and "Revenir à la première page" not in first
    found = re.search(r'href="(/association/files\?show=queue&cursor=[^"]+)">Page suivante</a>', first)
    assert found, "the next page's link keeps the filter"
    second = html.unescape((await filed.worker.get(found.group(1))).text)
    assert listed(second) | listed(first) == set(filed.under_review) and listed(second) != listed(first)
    assert 'href="/association/files?show=queue">Revenir à la première page</a>' in second
    assert 'aria-current="page">En attente de décision (2)</a>' in second  # the counts stay the true totals on every page
    third = re.search(r'href="(/association/files\?show=queue&cursor=[^"]+)">Page suivante</a>', second)
    if third:  # a cursor may lead to an empty last page: it lists nothing more
        assert listed(html.unescape((await filed.worker.get(third.group(1))).text)) == set()


async def test_another_associations_files_are_neither_listed_nor_counted(stack: Stack, filed: Filed) -> None:
    other = stack.browser("social_worker")
    try:
        page = html.unescape((await other.get("/association/files")).text)
        assert listed(page) == set() and "Tous les dossiers" not in page  # no filter over nothing
        assert "Aucun dossier de garantie pour l'instant" in page
    finally:
        await other.aclose()
