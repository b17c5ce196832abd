"""A household's export from guarantees (GDPR art. 15 and 20): its files with their steps, decisions,
visa and tenant's data, its documents listed with their download path and downloaded from there, every
opening logged with the purpose ``export``; the household itself or its association only (anyone else
404, other roles 403). Matching's household event handed to the handler as the consumer would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import FastAPI

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts.households import HouseholdConsentsChanged
from abri_guarantees.events.households import on_consents_changed
from tests.guarantees.support import TENANT, Api, as_, new_fund, submit, unique, waiting_placement
from tests.guarantees.support import api as api
from tests.guarantees.test_consent_and_erasure import of_household
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated

PDF = b"%PDF-1.7\n% payslip, marker EXPORT-7Q4\n%%EOF\n"


@dataclass
class Filed:
    household_id: str
    file_id: str
    document_id: str
    subject: str
    worker: dict[str, str]
    person: dict[str, str]
    agent: dict[str, str]


async def known_household(app: FastAPI, household_id: uuid.UUID, org: str, subject: str, api: Api) -> None:
    event = HouseholdConsentsChanged(
        household_id=household_id, org_id=org, account_subject=subject, purposes=["matching", "guarantee_file"], changed_at=api[2].now
    )
    async with app.state.sessionmaker() as session, session.begin():
        await on_consents_changed(session, ReceivedEvent(Envelope.of(event), event, "abri.matching.household", 0, 0))


async def filed(api: Api, issuer: TestIssuer, required: tuple[str, ...] = ("resources",), approve: bool = True) -> Filed:
    """A household's file with a document (its resources), for a fund requiring the ``required`` categories;
    approved (a visa) unless ``approve`` is false."""
    app, client, _ = api
    fund, org, subject, household_id = await new_fund(client, issuer), unique("assoc-x"), unique("hh-x"), uuid.uuid4()
    worker, agent = as_(issuer, unique("sw-x"), "social_worker", org), as_(issuer, unique("agent-x"), "fund_agent", fund)
    placement = await waiting_placement(org)
    await of_household(placement, household_id)
    await known_household(app, household_id, org, subject, api)
    only_resources = await client.put(f"/v1/funds/{fund}/policy", json={"required_documents": list(required)}, headers=agent)
    assert only_resources.status_code == 200, only_resources.text  # the fund needs the one document filed here
    file = await submit(client, worker, placement, fund)
    assert file.status_code == 201, file.text
    file_id = file.json()["id"]
    document = await client.post(
        f"/v1/files/{file_id}/documents",
        data={"kind": "resources", "sub_kind": "payslips"},
        files={"content": ("scan", PDF, "application/pdf")},
        headers=worker,
    )
    assert document.status_code == 201, document.text
    if approve:
        approval = await client.post(f"/v1/files/{file_id}/approval", headers=agent)
        assert approval.status_code == 200, approval.text
    person = as_(issuer, subject, "household", org)
    return Filed(str(household_id), file_id, document.json()["id"], subject, worker, person, agent)


async def test_the_household_exports_its_files_their_documents_and_visa_and_each_opening_is_logged(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ready = await filed(api, issuer)
    url = f"/v1/households/{ready.household_id}/export"
    answer = await client.get(url, headers=ready.person)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["service"] == "guarantees" and document["schema_version"] == 1 and document["household_id"] == ready.household_id
    [file] = document["files"]
    assert file["id"] == ready.file_id and file["status"] == "approved" and file["visa"]["number"]
    assert file["tenant"]["last_name"] == TENANT["last_name"] and file["tenant"]["resources_cents"] == TENANT["resources_cents"]
    assert file["decided_at"] and file["steps"] and all("actor" not in step for step in file["steps"])
    assert file["access_log"][-1]["purpose"] == "export" and file["access_log"][-1]["actor"] == ready.subject
    listed = {entry["kind"]: entry for entry in document["documents"]}
    assert set(listed) == {"resources", "visa_certificate"}
    assert listed["resources"]["size_bytes"] == len(PDF) and listed["resources"]["download_path"] == f"{url}/documents/{ready.document_id}"

    content = await client.get(listed["resources"]["download_path"], headers=ready.person)
    assert content.status_code == 200 and content.content == PDF
    certificate = await client.get(listed["visa_certificate"]["download_path"], headers=ready.worker)
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF")
    log = (await client.get(url, headers=ready.worker)).json()["files"][0]["access_log"]
    assert [entry["purpose"] for entry in log].count("export") == 4  # two exports, the document, the certificate


async def test_no_one_else_exports_a_households_files(api: Api, issuer: TestIssuer) -> None:
    _, client, _ = api
    ready = await filed(api, issuer)
    url = f"/v1/households/{ready.household_id}/export"
    strangers: list[dict[str, str]] = [
        as_(issuer, unique("sw-y"), "social_worker", unique("assoc-y")),
        as_(issuer, unique("hh-y"), "household", unique("assoc-y")),
    ]
    for stranger in strangers:
        assert (await client.get(url, headers=stranger)).status_code == 404
        assert (await client.get(f"{url}/documents/{ready.document_id}", headers=stranger)).status_code == 404
        assert (await client.get(f"{url}/visas/{ready.file_id}", headers=stranger)).status_code == 404
    assert (await client.get(url, headers=ready.agent)).status_code == 403  # the fund reads the file, not the household's export
    assert (await client.get(url, headers=as_(issuer, unique("owner"), "owner", None))).status_code == 403
    assert (await client.get(f"/v1/households/{uuid.uuid4()}/export", headers=ready.worker)).status_code == 404
    other_file = await filed(api, issuer)  # another household's document, asked through this one
    assert (await client.get(f"{url}/documents/{other_file.document_id}", headers=ready.worker)).status_code == 404
