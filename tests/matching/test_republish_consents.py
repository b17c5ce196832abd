"""Telling the other services again the households' purposes in force (``python -m abri_matching.republish_consents``):
after an upgrade from a version that did not publish them, guarantees and notifications would otherwise know
nothing of the households registered before. Each household not erased is told once per run, an erased one
never."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from abri_kit.usecase import Context
from abri_matching.usecases import consents
from tests.matching.test_consent_gate import MATCHING, NOTIFICATIONS, as_, body, commune, events
from tests.matching.test_consent_gate import client as client
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

CHANGED = "abri.matching.household.consents_changed.v1"


def just_before(household_id: str) -> uuid.UUID:
    """The id just below ``household_id``: a walk from there meets this household first."""
    return uuid.UUID(int=uuid.UUID(household_id).int - 1)


async def test_each_household_not_erased_is_told_again_with_its_purposes(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    worker = as_(issuer, "sw-rp", "social_worker", f"assoc-rp-{uuid.uuid4().hex[:6]}")
    registered = await client.post("/v1/households", json={**body("RP-1", [commune()]), "consent": MATCHING}, headers=worker)
    assert registered.status_code == 201, registered.text
    household_id = registered.json()["id"]
    assert (await client.post(f"/v1/households/{household_id}/consents", json=NOTIFICATIONS, headers=worker)).status_code == 201
    gone = (await client.post("/v1/households", json={**body("RP-2", [commune()]), "consent": MATCHING}, headers=worker)).json()["id"]
    assert (await client.post(f"/v1/households/{gone}/erasure", json={}, headers=worker)).status_code == 202
    before = {key: await events(key, "event_type = :t", t=CHANGED) for key in (household_id, gone)}

    engine = create_async_engine(database_url("matching"))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    now = datetime.now(UTC)
    try:
        async with sessions() as session, session.begin():  # nothing after the largest id: a walk ends there
            assert await consents.republish(Context.of_system(session, now), uuid.UUID(int=2**128 - 1), 10) == []
        async with sessions() as session, session.begin():
            told = await consents.republish(Context.of_system(session, now), just_before(household_id), 1)
        assert told == [uuid.UUID(household_id)]
        async with sessions() as session, session.begin():
            told_after_gone = await consents.republish(Context.of_system(session, now), just_before(gone), 1)
        assert uuid.UUID(gone) not in told_after_gone  # erased: its purposes are nobody's business any more
    finally:
        await engine.dispose()

    after = {key: await events(key, "event_type = :t", t=CHANGED) for key in (household_id, gone)}
    # Told once by the first walk, and once more if it happens to be the next household after the erased one
    # (ids are random: in a database with few households, the second walk of one may meet it).
    assert after[household_id] == before[household_id] + 1 + told_after_gone.count(uuid.UUID(household_id))
    newest = (
        "event_type = :t AND data->'purposes' = '[\"matching\", \"notifications\"]'"
        " AND seq = (SELECT max(seq) FROM event_outbox WHERE message_key = :key AND event_type = :t)"
    )
    assert await events(household_id, newest, t=CHANGED) == 1
    assert after[gone] == before[gone]
