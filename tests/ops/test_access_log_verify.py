"""``abri-ops access-log verify``: matching's sweeper anchors its chain's head through the outbox to Kafka, the
verifier reads it back with a plain consumer and finds the chain whole (and notifications' likewise); on tampered copies of the chain (a
scratch table the test may tamper with, as the table's owner could) it exits 1 naming each kind of tampering.
"""

# ruff: noqa: S608  (the statements name the test's own scratch tables)
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from typer.testing import CliRunner

from abri_auth.principal import Principal
from abri_bus.relay import OutboxRelay
from abri_kit.access_log import Anchor
from abri_kit.usecase import Context
from abri_matching.access_log_upkeep import keep_up
from abri_matching.db.repositories.access_log import AccessLog, mac_keys
from abri_notifications.access_log_upkeep import keep_up as notifications_keep_up
from abri_notifications.db.repositories.access_log import PersonAccessLog
from abri_notifications.domain.access import PersonalDataPurpose
from abri_ops import access_log as ops_access_log
from abri_ops.access_log import CHAINS, Chain, anchors_from_kafka, verify_chain
from abri_ops.cli import app
from tests.support import database_url, kafka, wait_until

READER = Principal(subject="sw-verify", roles=frozenset({"social_worker"}), org_id="assoc-verify", scopes=frozenset(), token="")


async def test_the_head_is_anchored_on_kafka_and_the_verifier_reads_it_back() -> None:
    engine = create_async_engine(database_url("matching"))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            entry = await AccessLog.for_system(Context.of_system(session, now).uow).append(uuid.uuid4(), READER, purpose="contact", at=now)
        assert entry.actor_role == "social_worker" and entry.actor_org == "assoc-verify" and entry.key_id == mac_keys().current
        await keep_up(sessions, now, 365)  # anchors the head (ours, or a later one if others appended meanwhile)
        relay = OutboxRelay(engine, kafka().producer, service="matching", listen=False)
        found: list[Anchor] = []

        async def anchored() -> bool:
            await relay.drain_once()  # another process's relay may hold the lead: it publishes then
            found[:] = await anchors_from_kafka(kafka(), CHAINS["matching"], timeout_s=20)
            return any(a.position >= entry.position for a in found)

        await wait_until(anchored, timeout=60, what="the head anchored on abri.matching.audit")
        result = await verify_chain(database_url("matching"), CHAINS["matching"], mac_keys(), found)
        assert result.ok, result.findings
        assert result.anchors_checked >= 1
    finally:
        await engine.dispose()


COPY = Chain("matching", "ops_test_access_log_copy", "household_id", "ops_test_access_log_copy_anchors")


@pytest.fixture
async def copy(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncEngine]:
    """A copy of matching's chain (its entries and prune anchors) in the scratch database, which the verifier
    is pointed at (``CHAINS``, ``ABRI_MATCHING_DATABASE_URL``)."""
    source = create_async_engine(database_url("matching"))
    async with async_sessionmaker(source)() as session, session.begin():  # a first, a middle and a last of the test's own at least
        for _ in range(3):
            now = datetime.now(UTC)
            await AccessLog.for_system(Context.of_system(session, now).uow).append(uuid.uuid4(), READER, purpose="contact", at=now)
    async with source.connect() as conn:
        rows = [dict(r._mapping) for r in await conn.execute(sa.text("SELECT * FROM personal_data_access_log ORDER BY seq"))]
        prunes = [
            dict(r._mapping) for r in await conn.execute(sa.text("SELECT * FROM personal_data_access_log_anchors WHERE kind = 'prune'"))
        ]
    await source.dispose()
    scratch = create_async_engine(database_url("bustest"))
    async with scratch.begin() as conn:
        await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {COPY.table}, {COPY.anchors}")
        await conn.exec_driver_sql(
            f"CREATE TABLE {COPY.table} (seq bigint PRIMARY KEY, position bigint, at timestamptz, actor text, actor_role text, "
            "actor_org text, household_id uuid, purpose text, key_id text, previous_mac text, mac text)"
        )
        await conn.exec_driver_sql(
            f"CREATE TABLE {COPY.anchors} (kind text, position bigint, seq bigint, mac text, at timestamptz, key_id text)"
        )
        columns = ("seq", "position", "at", "actor", "actor_role", "actor_org", "household_id", "purpose", "key_id", "previous_mac", "mac")
        if rows:
            await conn.execute(
                sa.text(f"INSERT INTO {COPY.table} VALUES ({', '.join(':' + c for c in columns)})"),
                [{c: r[c] for c in columns} for r in rows],
            )
        for p in prunes:
            await conn.execute(sa.text(f"INSERT INTO {COPY.anchors} VALUES (:kind, :position, :seq, :mac, :at, :key_id)"), p)
    monkeypatch.setitem(ops_access_log.CHAINS, "matching", COPY)
    monkeypatch.setenv("ABRI_MATCHING_DATABASE_URL", database_url("bustest"))
    yield scratch
    async with scratch.begin() as conn:
        await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {COPY.table}, {COPY.anchors}")
    await scratch.dispose()


async def run_verify(anchors: Path) -> tuple[int, str]:
    """The command as an operator runs it (in a thread: it runs its own event loop)."""
    result = await asyncio.to_thread(CliRunner().invoke, app, ["access-log", "verify", "matching", "--anchors", str(anchors)])
    return result.exit_code, result.output + repr(result.exception or "")


async def test_every_kind_of_tampering_on_a_copy_is_reported(copy: AsyncEngine, tmp_path: Path) -> None:
    async with copy.connect() as conn:
        head = (await conn.execute(sa.text(f"SELECT position, seq, mac, at, key_id FROM {COPY.table} ORDER BY seq DESC LIMIT 1"))).one()
    anchors = tmp_path / "anchors.json"
    anchors.write_text(json.dumps([Anchor("head", head.position, head.seq, head.mac, head.at, head.key_id).to_json()]))

    code, output = await run_verify(anchors)
    assert code == 0 and "holds" in output, output

    async with copy.connect() as conn:
        seqs = list(await conn.scalars(sa.text(f"SELECT seq FROM {COPY.table} ORDER BY seq")))

    async def tampered(expect: str, *statements: str) -> None:
        async with copy.begin() as conn:
            await conn.exec_driver_sql(f"CREATE TABLE {COPY.table}_saved AS SELECT * FROM {COPY.table}")
            for statement in statements:
                await conn.exec_driver_sql(statement)
        try:
            code, output = await run_verify(anchors)
            assert code == 1 and expect in output, output
        finally:
            async with copy.begin() as conn:
                await conn.exec_driver_sql(f"DELETE FROM {COPY.table}")
                await conn.exec_driver_sql(f"INSERT INTO {COPY.table} SELECT * FROM {COPY.table}_saved")
                await conn.exec_driver_sql(f"DROP TABLE {COPY.table}_saved")

    first, middle, before_last, last = seqs[0], seqs[len(seqs) // 2], seqs[-2], seqs[-1]
    await tampered("deleted", f"DELETE FROM {COPY.table} WHERE seq = {middle}")
    await tampered("truncated_start", f"DELETE FROM {COPY.table} WHERE seq = {first}")
    await tampered("truncated_end", f"DELETE FROM {COPY.table} WHERE seq = {last}")
    await tampered(  # the last two swap their place in the order written
        "reordered",
        f"UPDATE {COPY.table} SET seq = -seq WHERE seq IN ({before_last}, {last})",
        f"UPDATE {COPY.table} SET seq = CASE WHEN seq = -{last} THEN {before_last} ELSE {last} END WHERE seq < 0",
    )
    # an edited entry whose MAC is recomputed, but without the key (a plain SHA-256, as a forger could compute)
    await tampered(
        "edited",
        f"UPDATE {COPY.table} SET purpose = 'support_follow_up', mac = encode(sha256(convert_to(previous_mac || purpose, 'UTF8')), 'hex') "
        f"WHERE seq = {middle}",
    )


async def test_notifications_head_is_anchored_on_kafka_and_the_command_verifies_its_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_async_engine(database_url("notifications"))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            log = PersonAccessLog.for_system(Context.of_system(session, now).uow)
            entry = await log.append(f"hh-verify-{uuid.uuid4().hex[:6]}", reader=READER, purpose=PersonalDataPurpose.EXPORT, at=now)
        await notifications_keep_up(sessions, now, 365)
        relay = OutboxRelay(engine, kafka().producer, service="notifications", listen=False)
        found: list[Anchor] = []

        async def anchored() -> bool:
            await relay.drain_once()
            found[:] = await anchors_from_kafka(kafka(), CHAINS["notifications"], timeout_s=20)
            return any(a.position >= entry.position for a in found)

        await wait_until(anchored, timeout=60, what="the head anchored on abri.notifications.audit")
    finally:
        await engine.dispose()
    anchors = tmp_path / "anchors.json"
    anchors.write_text(json.dumps([a.to_json() for a in found]), encoding="utf-8")
    monkeypatch.setenv("ABRI_NOTIFICATIONS_DATABASE_URL", database_url("notifications"))
    command = ["access-log", "verify", "notifications", "--anchors", str(anchors)]
    result = await asyncio.to_thread(CliRunner().invoke, app, command)
    assert result.exit_code == 0, result.output + repr(result.exception or "")
