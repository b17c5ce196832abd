"""Notifications' access log: a household's export by its association is written to the chain (purpose
``export``, the reader's role and organisation), the household's own is not; the household reads it
(``/v1/me/access-log``, and through its household as the export is scoped), another association or
another household gets 404; the service's role may not update, delete or truncate the log; the sweeper
anchors the chain's head through the outbox."""

# ruff: noqa: S608  (the statements name the service's own tables)
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from abri_kit.access_log import MacKeys, read_chain, verify
from abri_notifications.access_log_upkeep import keep_up
from abri_notifications.db.access_log import ACCESS_LOG_TABLE, ANCHORS_TABLE
from abri_notifications.domain.access import PersonalDataPurpose
from abri_notifications.settings import ACCESS_LOG_KEY_VARIABLE
from tests.notifications.support import Api, as_, rows, unique
from tests.notifications.support import api as api
from tests.notifications.test_export import known_household
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url


async def test_the_associations_export_is_logged_and_the_household_reads_it_others_get_404(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    org, subject, household_id = unique("assoc-al"), unique("hh-al"), uuid.uuid4()
    person = as_(issuer, subject, "household", org)
    chosen = await client.put("/v1/me/preferences", json={"email": "al@example.org", "channels": ["email"]}, headers=person)
    assert chosen.status_code == 200, chosen.text
    await known_household(app, household_id, org, subject)

    own = await client.get(f"/v1/households/{household_id}/export", headers=person)
    assert own.status_code == 200, own.text
    mine = await client.get("/v1/me/access-log", headers=person)
    assert mine.status_code == 200 and mine.json()["items"] == [], "the household's own export is no one else's reading"

    worker = unique("sw-al")
    exported = await client.get(f"/v1/households/{household_id}/export", headers=as_(issuer, worker, "social_worker", org))
    assert exported.status_code == 200 and exported.json()["preferences"]["email"] == "al@example.org"

    mine = await client.get("/v1/me/access-log", headers=person)
    assert mine.status_code == 200, mine.text
    [entry] = mine.json()["items"]
    assert (entry["actor"], entry["actor_role"], entry["actor_org"], entry["purpose"]) == (worker, "social_worker", org, "export")
    for reader in (person, as_(issuer, unique("sw-al2"), "social_worker", org)):
        through = await client.get(f"/v1/households/{household_id}/access-log", headers=reader)
        assert through.status_code == 200 and [e["id"] for e in through.json()["items"]] == [entry["id"]]

    stranger = await client.get("/v1/me/access-log", headers=as_(issuer, unique("hh-other"), "household", org))
    assert stranger.status_code == 200 and stranger.json()["items"] == [], "another person sees only their own"
    for other in (as_(issuer, unique("sw-x"), "social_worker", unique("assoc-x")), as_(issuer, unique("hh-x"), "household", org)):
        assert (await client.get(f"/v1/households/{household_id}/access-log", headers=other)).status_code == 404
    assert (await client.get(f"/v1/households/{household_id}/access-log", headers=as_(issuer, unique("ow"), "owner"))).status_code == 403

    columns = "person, actor, actor_role, actor_org, purpose, key_id"
    stored = await rows(f"SELECT {columns} FROM {ACCESS_LOG_TABLE} WHERE person = :p", p=subject)
    keys = MacKeys.from_environment(ACCESS_LOG_KEY_VARIABLE)
    assert [tuple(row) for row in stored] == [(subject, worker, "social_worker", org, "export", keys.current)]
    assert "al@example.org" not in str(stored), "an entry holds ids and codes, never the data read"


async def exported_by_its_association(api: Api, issuer: TestIssuer) -> str:
    """A new household's export by a social worker of its association (one entry): the household's subject."""
    app, client = api
    org, subject, household_id = unique("assoc-al"), unique("hh-al"), uuid.uuid4()
    await known_household(app, household_id, org, subject)
    answer = await client.get(f"/v1/households/{household_id}/export", headers=as_(issuer, unique("sw-al"), "social_worker", org))
    assert answer.status_code == 200, answer.text
    return subject


async def test_the_services_role_may_not_update_delete_or_truncate_the_log(api: Api, issuer: TestIssuer) -> None:
    subject = await exported_by_its_association(api, issuer)
    engine = create_async_engine(database_url("notifications"))  # the service's own role, the tables' owner
    try:
        for statement in (
            f"UPDATE {ACCESS_LOG_TABLE} SET purpose = 'other' WHERE person = '{subject}'",
            f"DELETE FROM {ACCESS_LOG_TABLE} WHERE person = '{subject}'",
            f"TRUNCATE {ACCESS_LOG_TABLE}",
            f"UPDATE {ANCHORS_TABLE} SET mac = mac",
            f"DELETE FROM {ANCHORS_TABLE}",
        ):
            with pytest.raises(DBAPIError, match="permission denied"):
                async with engine.begin() as conn:
                    await conn.exec_driver_sql(statement)
        async with engine.begin() as conn:  # granted back, as the owner may: the triggers still refuse
            await conn.exec_driver_sql(f"GRANT UPDATE, DELETE ON {ACCESS_LOG_TABLE} TO CURRENT_USER")
            with pytest.raises(DBAPIError, match="append-only: UPDATE refused"):
                async with conn.begin_nested():
                    await conn.exec_driver_sql(f"UPDATE {ACCESS_LOG_TABLE} SET purpose = 'other' WHERE person = '{subject}'")
            with pytest.raises(DBAPIError, match="younger than the retention floor"):
                async with conn.begin_nested():
                    await conn.exec_driver_sql(f"DELETE FROM {ACCESS_LOG_TABLE} WHERE person = '{subject}'")
            await conn.rollback()
        assert len(await rows(f"SELECT seq FROM {ACCESS_LOG_TABLE} WHERE person = :p", p=subject)) == 1
    finally:
        await engine.dispose()


async def test_the_sweeper_anchors_the_head_through_the_outbox_and_the_chain_verifies(api: Api, issuer: TestIssuer) -> None:
    subject = await exported_by_its_association(api, issuer)
    [(position,)] = await rows(f"SELECT position FROM {ACCESS_LOG_TABLE} WHERE person = :p", p=subject)
    engine = create_async_engine(database_url("notifications"))
    try:
        await keep_up(async_sessionmaker(engine, expire_on_commit=False), datetime.now(UTC), 365)
        async with engine.connect() as conn:
            chain = await read_chain(conn, ACCESS_LOG_TABLE, "person")
        assert verify(chain, MacKeys.from_environment(ACCESS_LOG_KEY_VARIABLE)).ok
    finally:
        await engine.dispose()
    published = await rows(
        "SELECT data FROM event_outbox WHERE event_type = 'abri.notifications.access_log.anchored.v1' AND message_key = :k",
        k=f"notifications.{ACCESS_LOG_TABLE}",
    )
    assert any(row[0]["head_position"] >= position for row in published), "the head (ours, or a later one) anchored"


@pytest.mark.unit
def test_a_purpose_is_a_code_never_free_text() -> None:
    assert PersonalDataPurpose("export") is PersonalDataPurpose.EXPORT
    with pytest.raises(ValueError, match="not a valid"):
        PersonalDataPurpose("lecture par curiosité")
