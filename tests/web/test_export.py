"""A household's data from every service as one archive, through the gateway (GDPR art. 15 and 20): the
household downloads its own from its page, its association downloads it on its behalf, an API client
with a bearer token gets the same zip; one JSON document per service, the documents of its guarantee
file inside, the labels in the reader's language, the export logged; anyone else 404; a service that
does not answer fails the whole export with 503 (never a partial archive)."""

from __future__ import annotations

import io
import json
import socket
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.matching.invitations import link_in_browsers
from tests.matching.test_households_api import SECRETS, household
from tests.notifications.support import unique
from tests.oidc_issuer import TestIssuer
from tests.support import wait_until
from tests.web.support import Browser, Stack, main_text, running_stack
from tests.web.test_pages_association import PDF, file_guarantee, known_to_matching, new_fund, place, published_unit, upload

pytestmark = pytest.mark.timeout(600)
SERVICES = {"matching.json", "guarantees.json", "notifications.json", "listings.json"}
EMAIL = "export-web-7q4@example.org"


@dataclass
class Journey:
    worker: Browser
    owner: Browser
    person: Browser
    household_id: str
    file_id: str


async def consent(worker: Browser, household_id: str, purpose: str) -> None:
    body = {"purpose": purpose, "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
    answer = await worker.api("POST", f"/matching/v1/households/{household_id}/consents", json=body)
    assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
async def journey(stack: Stack) -> AsyncIterator[Journey]:
    """A household with its own account, proposed, accepted with a guarantee asked for, its file filed
    with a document: something to export in every service."""
    worker, owner = stack.browser("social_worker"), stack.browser("owner")
    person = stack.browser("household", org_id=worker.org_id)
    where = place()
    body = household(unique("EX"), wanted={"communes": [where["insee_code"]]}, needs={"min_bedrooms": 1})
    registered = await worker.api("POST", "/matching/v1/households", json=body)
    assert registered.status_code == 201, registered.text
    household_id = registered.json()["id"]
    await link_in_browsers(worker, person, household_id)
    for purpose in ("guarantee_file", "notifications"):
        await consent(worker, household_id, purpose)
    unit = await published_unit(owner, where)
    await known_to_matching(worker, unit["id"])
    proposal = {"household_id": household_id, "unit_id": unit["id"], "scheme": "intermediated_letting"}
    placement = await worker.api("POST", "/matching/v1/placements", json=proposal)
    assert placement.status_code == 201, placement.text
    accepted = await owner.api("POST", f"/matching/v1/placements/{placement.json()['id']}/accept", json={"require_guarantee": True})
    assert accepted.status_code == 200, accepted.text
    file_id = await file_guarantee(worker, placement.json()["id"], await new_fund(stack))
    uploaded = await upload(worker, file_id, "identity", "passport")
    assert uploaded.status_code in (200, 303), uploaded.text
    preferences = {"language": "uk", "channels": ["email"], "email": EMAIL}
    chosen = await person.api("PUT", "/notifications/v1/me/preferences", json=preferences)
    assert chosen.status_code == 200, chosen.text

    async def notifications_knows_it() -> bool:  # its household event is on its way (an export meanwhile answers 503)
        return (await person.api("GET", f"/notifications/v1/households/{household_id}/export")).status_code == 200

    await wait_until(notifications_knows_it, timeout=90, what="notifications learns the household")
    yield Journey(worker, owner, person, household_id, file_id)
    for browser in (worker, owner, person):
        await browser.aclose()


def opened(content: bytes) -> dict[str, Any]:
    """The archive's files by name (its CRCs checked)."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    return {name: archive.read(name) for name in archive.namelist()}


async def test_the_household_downloads_one_archive_from_every_service_labelled_in_its_language(journey: Journey) -> None:
    answer = await journey.person.post("/household/export?lang=uk")
    assert answer.status_code == 200, main_text(answer.text)  # the page says which service did not answer
    assert answer.headers["content-type"] == "application/zip" and "attachment" in answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "no-store"
    files = opened(answer.content)
    assert SERVICES | {"labels.json", "README.txt", "manifest.json"} <= set(files)

    matching = json.loads(files["matching.json"])
    assert matching["household_id"] == journey.household_id and matching["service"] == "matching"
    assert matching["personal_data"]["identity"]["last_name"] == SECRETS["last_name"]
    assert [step["step"] for step in matching["placements"][0]["steps"]][:2] == ["propose", "accept"]
    assert matching["access_log"][-1]["purpose"] == "export" and matching["access_log"][-1]["actor"] == journey.person.subject
    assert json.loads(files["listings.json"])["holds"] == "nothing"
    notifications = json.loads(files["notifications.json"])
    assert notifications["account_subject"] == journey.person.subject and notifications["preferences"]["email"] == EMAIL
    guarantees = json.loads(files["guarantees.json"])
    assert [file["id"] for file in guarantees["files"]] == [journey.file_id]
    documents = [name for name in files if name.startswith("documents/guarantees/")]
    assert documents and any(files[name] == PDF for name in documents), "the uploaded document is in the archive as it was sent"

    labels = json.loads(files["labels.json"])
    assert labels["language"] == "uk" and labels["fields"]["reference"] == "Власне посилання вашої асоціації на вашу справу"
    assert labels["codes"]["purpose"]["export"] == "Ваші дані експортовано (завантажено)"
    assert "Ваші дані в Abri" in files["README.txt"].decode() and journey.household_id in files["README.txt"].decode()
    manifest = json.loads(files["manifest.json"])
    assert manifest["complete"] is True and manifest["language"] == "uk"
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json"}
    assert all(listed[name]["bytes"] == len(files[name]) for name in listed)


async def test_the_association_downloads_it_on_the_households_behalf_and_no_one_else(stack: Stack, journey: Journey) -> None:
    answer = await journey.worker.post(f"/association/households/{journey.household_id}/export")
    assert answer.status_code == 200, answer.text[:500]
    files = opened(answer.content)
    labels = json.loads(files["labels.json"])
    assert labels["language"] == "fr" and labels["fields"]["reference"] == "La référence de votre dossier propre à votre association"
    log = json.loads(files["matching.json"])["access_log"]
    assert (log[-1]["actor"], log[-1]["actor_org"], log[-1]["purpose"]) == (journey.worker.subject, journey.worker.org_id, "export")

    page = await journey.worker.get(f"/association/households/{journey.household_id}")
    assert "Télécharger les données du ménage" in page.text and "Export des données du ménage" in page.text
    mine = await journey.person.get("/household")
    assert "Télécharger mes données" in mine.text

    stranger = stack.browser("social_worker")
    try:
        refused = await stranger.post(f"/association/households/{journey.household_id}/export")
        assert refused.status_code == 404 and SECRETS["last_name"] not in refused.text
        api = await stranger.client.get(f"/v1/households/{journey.household_id}/export", headers=stranger.bearer)
        assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")
    finally:
        await stranger.aclose()
    unsent = await journey.worker.post(f"/association/households/{journey.household_id}/export", csrf=False)
    assert unsent.status_code == 403
    owner = await journey.owner.client.get(f"/v1/households/{journey.household_id}/export", headers=journey.owner.bearer)
    assert owner.status_code == 403


async def test_an_api_client_gets_the_same_archive_with_a_bearer_token(stack: Stack, journey: Journey) -> None:
    anonymous = stack.anonymous()
    try:
        url = f"/v1/households/{journey.household_id}/export"
        assert (await anonymous.get(url)).status_code == 401
        answer = await anonymous.get(url, params={"lang": "ar"}, headers=journey.person.bearer)
    finally:
        await anonymous.aclose()
    assert answer.status_code == 200, answer.text[:500]
    files = opened(answer.content)
    assert set(files) >= SERVICES and json.loads(files["labels.json"])["language"] == "ar"


async def test_a_service_that_does_not_answer_fails_the_whole_export(issuer: TestIssuer, migrated: None) -> None:
    with socket.socket() as taken:  # bound, never listening: connections are refused
        taken.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{taken.getsockname()[1]}"
        async for running in running_stack(issuer, notifications_url=nowhere):
            worker = running.browser("social_worker")
            person = running.browser("household", org_id=worker.org_id)
            try:
                body = household(unique("EXD"))
                registered = await worker.api("POST", "/matching/v1/households", json=body)
                assert registered.status_code == 201, registered.text
                await link_in_browsers(worker, person, registered.json()["id"])
                url = f"/v1/households/{registered.json()['id']}/export"
                api = await person.client.get(url, headers=person.bearer)
                page = await person.post("/household/export?lang=en")
            finally:
                await worker.aclose()
                await person.aclose()
    assert api.status_code == 503 and api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["service"] == "notifications" and "nothing was exported" in api.json()["detail"]
    assert page.status_code == 503 and "notifications does not answer" in page.text
    assert page.headers["content-type"].startswith("text/html")
