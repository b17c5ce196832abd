"""The household's consent gates its guarantee file, and its erasure reaches the file: matching's
household events handed to the handlers as the consumer would. Filing needs ``guarantee_file`` in
force; after a withdrawal the fund reads no personal data (the file's amounts and statuses stay);
after an erasure the tenant's data, the documents, the visa PDF and the public visa check answer
nothing personal, and the receipt says what is kept and why."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope
from abri_contracts import EventContract
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_guarantees.events.households import on_consents_changed, on_household_erased
from tests.guarantees.support import SEEN_ELSEWHERE, Api, as_, new_fund, submit, unique, waiting_placement
from tests.guarantees.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

HOLDER = "Oksana Kovalenko-Durand"
PDF = b"%PDF-1.7\n" + b"payslip of Oksana Kovalenko-Durand\n" * 20


async def handle(app: FastAPI, event: EventContract, topic: str = "abri.matching.household") -> None:
    handler = on_consents_changed if isinstance(event, HouseholdConsentsChanged) else on_household_erased
    for _ in range(2):  # a redelivery changes nothing
        async with app.state.sessionmaker() as session, session.begin():
            await handler(session, ReceivedEvent(Envelope.of(event), event, topic, 0, 0))  # type: ignore[arg-type]


def consents(household_id: uuid.UUID, org: str, purposes: list[str], at: datetime) -> HouseholdConsentsChanged:
    return HouseholdConsentsChanged(household_id=household_id, org_id=org, purposes=purposes, changed_at=at)


async def of_household(placement_id: str, household_id: uuid.UUID) -> None:
    """The placement as matching's guarantee_requested now leaves it: with its household."""
    engine = create_async_engine(database_url("guarantees"))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE placements SET household_id = :h WHERE placement_id = :p"), {"h": household_id, "p": placement_id}
            )
    finally:
        await engine.dispose()


async def rows(statement: str, **params: Any) -> list[Any]:
    engine = create_async_engine(database_url("guarantees"))
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.text(statement), params)).all())
    finally:
        await engine.dispose()


async def test_filing_and_the_funds_reading_need_the_households_consent(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    fund, association, household_id = await new_fund(client, issuer), unique("assoc-cg"), uuid.uuid4()
    worker, agent = as_(issuer, "sw-cg", "social_worker", association), as_(issuer, "agent-cg", "fund_agent", fund)
    placement = await waiting_placement(association)
    await of_household(placement, household_id)

    unknown = await submit(client, worker, placement, fund)  # matching never said the household consented
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "consent_required", unknown.text
    await handle(app, consents(household_id, association, ["matching"], clock.now))
    refused = await submit(client, worker, placement, fund)
    assert refused.status_code == 422 and refused.json()["errors"][0]["params"] == {"purpose": "guarantee_file"}
    assert await rows("SELECT id FROM guarantee_files WHERE placement_id = :p", p=placement) == []

    await handle(app, consents(household_id, association, ["matching", "guarantee_file"], clock.now.replace(minute=5)))
    filed = await submit(client, worker, placement, fund)
    assert filed.status_code == 201, filed.text
    file_id = filed.json()["id"]
    assert (await client.get(f"/v1/files/{file_id}/tenant", params={"purpose": "review_file"}, headers=agent)).status_code == 200

    await handle(app, consents(household_id, association, ["matching"], clock.now.replace(minute=10)))  # withdrawn
    await handle(app, consents(household_id, association, ["matching", "guarantee_file"], clock.now.replace(minute=7)))  # older: ignored
    tenant = await client.get(f"/v1/files/{file_id}/tenant", params={"purpose": "review_file"}, headers=agent)
    assert tenant.status_code == 403 and tenant.json()["errors"][0]["code"] == "consent_required", tenant.text
    assert "amounts, statuses" in tenant.json()["detail"]
    seen = await client.get(f"/v1/files/{file_id}", headers=agent)  # what the fund still sees: no identity
    assert seen.status_code == 200 and seen.json()["status"] == "under_review" and "Oksana" not in seen.text
    answering = {"purpose": "information_request_answer"}
    assert (await client.get(f"/v1/files/{file_id}/tenant", params=answering, headers=worker)).status_code == 200


async def test_an_erasure_shreds_every_file_of_the_household_and_answers_with_its_receipt(api: Api, issuer: TestIssuer) -> None:
    app, client, clock = api
    fund, association, household_id = await new_fund(client, issuer), unique("assoc-er"), uuid.uuid4()
    worker, agent = as_(issuer, "sw-er", "social_worker", association), as_(issuer, "agent-er", "fund_agent", fund)
    placement = await waiting_placement(association)
    await of_household(placement, household_id)
    await handle(app, consents(household_id, association, ["matching", "guarantee_file"], clock.now))
    file_id = (await submit(client, worker, placement, fund)).json()["id"]
    uploaded = await client.post(
        f"/v1/files/{file_id}/documents",
        data={"kind": "identity", "sub_kind": "passport"},
        files={"content": ("id.pdf", PDF, "application/pdf")},
        headers=worker,
    )
    assert uploaded.status_code == 201, uploaded.text
    approval = await client.post(f"/v1/files/{file_id}/approval", json=SEEN_ELSEWHERE, headers=agent)
    assert approval.status_code == 200, approval.text
    number = approval.json()["visa"]["number"]
    check = await client.post("/v1/public/visa-checks", json={"number": number, "name": HOLDER})
    assert check.json()["status"] == "valid"

    request_id = uuid.uuid4()
    erased = HouseholdErased(
        household_id=household_id, org_id=association, request_id=request_id, requested_by="association", erased_at=clock.now,
        placement_ids=[uuid.UUID(placement)],
    )  # fmt: skip
    await handle(app, erased)

    answering = {"purpose": "information_request_answer"}
    assert (await client.get(f"/v1/files/{file_id}/tenant", params=answering, headers=worker)).status_code in (403, 410)
    assert (await client.get(f"/v1/files/{file_id}/documents", headers=worker)).json()["items"] == []
    pdf = await client.get(f"/v1/files/{file_id}/visa.pdf", headers=worker)
    assert pdf.status_code != 200 and "Oksana" not in pdf.text
    check = await client.post("/v1/public/visa-checks", json={"number": number, "name": HOLDER})
    assert check.json()["status"] == "unknown"
    [(household,)] = await rows("SELECT household_id FROM guarantee_files WHERE id = :f", f=file_id)
    assert household is None  # unlinked
    [(personal, mac)] = await rows(
        "SELECT f.personal, v.holder_mac FROM guarantee_files f JOIN visas v ON v.file_id = f.id WHERE f.id = :f", f=file_id
    )
    assert personal is None and bytes(mac) == b""
    receipts = await rows("SELECT data FROM event_outbox WHERE event_type = 'abri.guarantees.erasure.completed.v1' AND message_key = :k",
                          k=str(household_id))  # fmt: skip
    assert len(receipts) == 1  # the redelivery sent no second receipt
    receipt = receipts[0][0]
    assert receipt["request_id"] == str(request_id) and receipt["erased_in"] == "guarantees" and receipt["kept"] == []
    assert datetime.fromisoformat(receipt["completed_at"]).utcoffset() is not None  # an instant, told to matching
