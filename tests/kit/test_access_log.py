"""The kit's access log: a keyed MAC chain over a service's own table, whatever it names the subject's id.

Pure: every kind of tampering the verifier must see (a deletion anywhere, a truncation at either end, a
reorder, an edit re-hashed without the key), and what it must accept (a rotated key, a pruned start,
entries from before the key). PostgreSQL: concurrent appends keep one linear chain; the append-only
triggers refuse UPDATE, DELETE and TRUNCATE even once the owner grants itself the privileges back; a
prune of an old prefix goes through, anchored, and nothing else does.
"""

# ruff: noqa: S608  (the statements name the test's own tables)
from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from abri_kit import access_log
from abri_kit.access_log import (
    GENESIS,
    HEAD,
    LEGACY_KEY_ID,
    PRUNE,
    AccessLogKeyError,
    Anchor,
    ChainEntry,
    MacKeys,
    entry_mac,
    legacy_hash,
    read_anchors,
    read_chain,
    verify,
)
from tests.support import database_url

LOCK = 0x6B69_7474_6573_74  # "kittest"
FILE = uuid.UUID("0b9a3c1e-5d0f-4d47-9a8e-0c6f5b2b7e11")
KEYS = MacKeys.parse(f"k2:{base64.b64encode(b'2' * 32).decode()},k1:{base64.b64encode(b'1' * 32).decode()}")
START = datetime(2026, 3, 1, 10, tzinfo=UTC)


def chained(count: int, *, keys: MacKeys = KEYS, key_id: str = "k2", after: ChainEntry | None = None) -> list[ChainEntry]:
    """``count`` entries linked as append links them (in memory), after ``after`` if given."""
    entries: list[ChainEntry] = []
    position, link, seq = (after.position, after.mac, after.seq) if after else (0, GENESIS, 0)
    for n in range(1, count + 1):
        at = START + timedelta(minutes=position + n)
        fields: dict[str, Any] = {
            "position": position + n,
            "at": at,
            "actor": f"sw-{n}",
            "actor_role": "social_worker",
            "actor_org": "assoc-1",
            "subject_id": FILE,
            "purpose": "review_file",
        }
        mac = entry_mac(keys.keys[key_id], key_id=key_id, previous=link, **fields)
        entries.append(
            ChainEntry(seq=seq + n * 2, key_id=key_id, previous_mac=link, mac=mac, **fields)
        )  # seq with gaps, as rollbacks leave
        link = mac
    return entries


def head(entry: ChainEntry, kind: str = HEAD) -> Anchor:
    return Anchor(kind=kind, position=entry.position, seq=entry.seq, mac=entry.mac, at=entry.at, key_id=entry.key_id)


def kinds(entries: list[ChainEntry], **options: Any) -> list[str]:
    return [finding.kind for finding in verify(entries, KEYS, **options).findings]


@pytest.mark.unit
def test_an_untouched_chain_holds_with_its_anchors() -> None:
    entries = chained(6)
    report = verify(entries, KEYS, anchors=[head(entries[2]), head(entries[5])])
    assert report.ok and report.anchors_checked == 2 and (report.first_position, report.last_position) == (1, 6)
    assert verify([], KEYS, anchors=[]).ok


@pytest.mark.unit
def test_a_deletion_anywhere_is_found() -> None:
    entries = chained(6)
    assert kinds(entries[:2] + entries[3:]) == ["deleted"]  # in the middle
    assert kinds(entries[1:]) == ["truncated_start"]  # the first: it no longer starts at the genesis
    assert kinds(entries[:-1], anchors=[head(entries[-1])]) == ["truncated_end"]  # the last, once anchored
    unanchored = verify(entries[:-1], KEYS)
    assert unanchored.ok and "cannot be seen" in unanchored.notes[0]  # without anchors the end cannot be known: said so


@pytest.mark.unit
def test_a_reorder_is_found() -> None:
    entries = chained(5)
    swapped = [entries[0], entries[2], entries[1], entries[3], entries[4]]
    swapped[1], swapped[2] = dataclasses.replace(swapped[1], seq=entries[1].seq), dataclasses.replace(swapped[2], seq=entries[2].seq)
    assert "reordered" in kinds(swapped)


@pytest.mark.unit
def test_an_edit_rehashed_without_the_key_is_found() -> None:
    entries = chained(4)
    edited = dataclasses.replace(entries[1], subject_id=uuid.uuid4())  # the read pinned on another file
    assert kinds([entries[0], edited, *entries[2:]]) == ["edited"]
    # re-hashed the old way (plain SHA-256) and the next entry relinked: still found, under the key it claims
    forged = dataclasses.replace(
        edited, mac=legacy_hash(edited.previous_mac, edited.at, edited.actor, edited.actor_org, edited.subject_id, edited.purpose)
    )
    relinked = dataclasses.replace(entries[2], previous_mac=forged.mac)
    assert kinds([entries[0], forged, relinked, entries[3]]) == ["edited", "edited"]
    # or under a key of the forger's: the key is unknown
    other = MacKeys.parse(f"k2:{base64.b64encode(b'x' * 32).decode()}")
    assert set(kinds(chained(3, keys=other))) == {"edited"}
    assert kinds(chained(2, keys=MacKeys.parse(f"k9:{base64.b64encode(b'x' * 32).decode()}"), key_id="k9")) == ["unknown_key"] * 2


@pytest.mark.unit
def test_a_rewritten_history_differs_from_its_anchor() -> None:
    """Rebuilt with the key (a stolen key): the chain holds in itself, but not against what was published."""
    entries = chained(4)
    rebuilt = chained(4, keys=KEYS, key_id="k1")
    assert verify(rebuilt, KEYS).ok
    assert kinds(rebuilt, anchors=[head(entries[3])]) == ["anchor_mismatch"]


@pytest.mark.unit
def test_a_rotated_key_and_a_pruned_start_verify() -> None:
    old = chained(3, key_id="k1")
    new = chained(3, key_id="k2", after=old[-1])
    assert verify(old + new, KEYS).ok
    pruned = head(old[-1], PRUNE)
    assert verify(
        new, KEYS, start=pruned, anchors=[pruned, head(old[1]), head(new[-1])], prunes=[pruned]
    ).ok  # older anchors are pruned too
    assert kinds(new) == ["truncated_start"]  # the start unknown: the cut shows
    assert kinds(new[1:], start=pruned) == ["truncated_start"]
    assert kinds(new, start=pruned, anchors=[], prunes=[pruned]) == ["prune_not_anchored"]  # a prune anchor no one published


@pytest.mark.unit
def test_entries_from_before_the_key_verify_as_they_were_and_only_first() -> None:
    legacy: list[ChainEntry] = []
    link = GENESIS
    for n in range(1, 3):
        at = START + timedelta(minutes=n)
        mac = legacy_hash(link, at, "sw-1", None, FILE, "check")
        legacy.append(ChainEntry(n, n, at, "sw-1", None, None, FILE, "check", LEGACY_KEY_ID, link, mac))
        link = mac
    keyed = chained(2, after=legacy[-1])
    report = verify(legacy + keyed, KEYS)
    assert report.ok and report.legacy_entries == 2 and any("predate the key" in note for note in report.notes)
    late = dataclasses.replace(keyed[1], key_id=LEGACY_KEY_ID)
    assert "legacy_after_keyed" in kinds([*legacy, keyed[0], late])


@pytest.mark.unit
def test_the_entry_mac_is_stable_and_the_legacy_hash_unchanged() -> None:
    """Entries written before the key still verify: the same fields give the same SHA-256 as before."""
    first = legacy_hash(GENESIS, datetime(2026, 3, 1, 11, tzinfo=timezone(timedelta(hours=1))), "sw-1", "assoc-1", FILE, "contact")
    assert first == "e59724be6fec46ebb8ab6afe2be34de6092ea9f1fa0902ca67c80bd1d10dbecb"
    fields: dict[str, Any] = {
        "position": 1,
        "previous": GENESIS,
        "at": START,
        "actor": "a",
        "actor_org": None,
        "subject_id": FILE,
        "purpose": "p",
    }
    assert entry_mac(b"k" * 32, key_id="k", actor_role="household", **fields) != entry_mac(
        b"k" * 32, key_id="k", actor_role="owner", **fields
    )


@pytest.mark.unit
def test_the_key_list_is_checked() -> None:
    for bad in ("", "k1", "k1:not base64!", f"k1:{base64.b64encode(b'short').decode()}", f"sha256:{base64.b64encode(b'1' * 32).decode()}"):
        with pytest.raises(AccessLogKeyError):
            MacKeys.parse(bad)
    assert KEYS.current == "k2" and MacKeys.parse(MacKeys.generate_entry("ops-2")).current == "ops-2"
    assert access_log.role_of({"social_worker", "household"}) == "social_worker" and access_log.role_of(()) == "system"


# --- PostgreSQL ------------------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class FileAccess(Base):
    """A service's log whose subject is a file (``file_id``), as guarantees has it."""

    __tablename__ = "kit_test_access_log"

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    position: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_role: Mapped[str | None] = mapped_column(sa.String(30), nullable=True)
    actor_org: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    file_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    key_id: Mapped[str] = mapped_column(sa.String(50))
    previous_mac: Mapped[str] = mapped_column(sa.String(64))
    mac: Mapped[str] = mapped_column(sa.String(64))


class FileAccessAnchor(Base):
    __tablename__ = "kit_test_access_log_anchors"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    position: Mapped[int] = mapped_column(sa.BigInteger)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    mac: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(sa.String(50))
    anchored_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


TABLE, ANCHORS = FileAccess.__tablename__, FileAccessAnchor.__tablename__


class Op:
    """What a migration step needs of Alembic's ``op``: statements run on a connection."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, statement: str) -> None:
        self.connection.exec_driver_sql(statement)


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    """The scratch database with a fresh test log, append-only as a migration leaves it; dropped afterwards."""
    engine = create_async_engine(database_url("bustest"), pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TABLE}_prune_check(), {TABLE}_refuse() CASCADE")
        await conn.run_sync(Base.metadata.create_all)
        await conn.run_sync(lambda sync: access_log.install_append_only_v1(Op(sync), TABLE, ANCHORS))
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {TABLE}_prune_check(), {TABLE}_refuse() CASCADE")
    await engine.dispose()


async def append(engine: AsyncEngine, count: int, *, at: datetime | None = None, actor: str = "sw-1") -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    for _ in range(count):
        async with sessions() as session, session.begin():
            await access_log.append(
                session, FileAccess, subject="file_id", subject_id=FILE, actor=actor, actor_role="fund_agent", actor_org="fund-1",
                purpose="review_file", lock_id=LOCK, keys=KEYS, at=at,
            )  # fmt: skip


async def chain_of(engine: AsyncEngine) -> tuple[list[ChainEntry], list[Anchor]]:
    async with engine.connect() as conn:
        return await read_chain(conn, TABLE, "file_id"), await read_anchors(conn, ANCHORS, PRUNE)


async def test_concurrent_appends_keep_one_linear_chain(engine: AsyncEngine) -> None:
    await asyncio.gather(*(append(engine, 10, actor=f"sw-{n}") for n in range(5)))
    entries, _ = await chain_of(engine)
    assert [e.position for e in entries] == list(range(1, 51)) and entries[0].previous_mac == GENESIS
    assert verify(entries, KEYS).ok and {e.actor_role for e in entries} == {"fund_agent"}
    assert len({entry.previous_mac for entry in entries}) == 50  # no two entries on the same link: no fork


async def test_a_subject_the_model_does_not_have_is_refused(engine: AsyncEngine) -> None:
    async with async_sessionmaker(engine)() as session:
        with pytest.raises(ValueError, match="no column 'household_id'"):
            await access_log.append(
                session, FileAccess, subject="household_id", subject_id=FILE, actor="sw-1", actor_role="fund_agent", actor_org=None,
                purpose="review_file", lock_id=LOCK, keys=KEYS,
            )  # fmt: skip


async def refused(conn: AsyncConnection, statement: str, match: str) -> None:
    """``statement`` fails (in a savepoint, so the test's transaction goes on) with ``match`` in its message."""
    with pytest.raises(DBAPIError, match=match):
        async with conn.begin_nested():
            await conn.exec_driver_sql(statement)


async def test_the_owner_may_not_update_delete_or_truncate_not_even_after_granting_itself(engine: AsyncEngine) -> None:
    await append(engine, 3)
    async with engine.connect() as conn, conn.begin():
        for table in (TABLE, ANCHORS):
            await refused(conn, f"UPDATE {table} SET position = position", "permission denied")
            await refused(conn, f"DELETE FROM {table}", "permission denied")
            await refused(conn, f"TRUNCATE {table}", "permission denied")
        await conn.exec_driver_sql(f"GRANT UPDATE, DELETE, TRUNCATE ON {TABLE}, {ANCHORS} TO CURRENT_USER")  # as the owner may
        await refused(conn, f"UPDATE {TABLE} SET purpose = 'other'", "append-only: UPDATE refused")
        await refused(conn, f"TRUNCATE {TABLE}", "append-only: TRUNCATE refused")
        await refused(conn, f"DELETE FROM {TABLE} WHERE position = 2", "younger than the retention floor")
        await refused(conn, f"DELETE FROM {ANCHORS}", "append-only: DELETE refused")
        await conn.rollback()
    entries, _ = await chain_of(engine)
    assert len(entries) == 3 and verify(entries, KEYS).ok


async def test_a_prune_removes_an_old_prefix_anchored_and_nothing_else(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    await append(engine, 3, at=now - timedelta(days=400))
    await append(engine, 2, at=now - timedelta(days=10))
    async with engine.connect() as conn, conn.begin():  # an old entry out of the prefix, or without its anchor: refused
        await conn.exec_driver_sql(f"GRANT DELETE ON {TABLE} TO CURRENT_USER")
        await refused(conn, f"DELETE FROM {TABLE} WHERE position = 2", "only a prefix")
        await refused(conn, f"DELETE FROM {TABLE} WHERE position <= 2", "anchor first")
        await conn.rollback()
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        anchor = await access_log.prune(session, FileAccess, FileAccessAnchor, before=now - timedelta(days=365), lock_id=LOCK, now=now)
    assert anchor is not None and anchor.kind == PRUNE and anchor.position == 3
    entries, prunes = await chain_of(engine)
    assert [e.position for e in entries] == [4, 5] and prunes == [anchor]
    assert verify(entries, KEYS, start=prunes[-1], anchors=[anchor], prunes=prunes).ok
    assert [f.kind for f in verify(entries, KEYS).findings] == ["truncated_start"]  # without the anchor the cut shows
    async with sessions() as session, session.begin():  # nothing old is left: nothing to prune, nothing anchored
        assert (
            await access_log.prune(session, FileAccess, FileAccessAnchor, before=now - timedelta(days=365), lock_id=LOCK, now=now) is None
        )
    await append(engine, 1)
    entries, _ = await chain_of(engine)
    assert entries[-1].position == 6 and verify(entries, KEYS, start=anchor).ok  # the chain goes on from its last entry


async def test_the_head_is_anchored_once_until_it_moves(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    now = datetime.now(UTC)

    async def anchor() -> Anchor | None:
        async with sessions() as session, session.begin():
            return await access_log.anchor_head(session, FileAccess, FileAccessAnchor, lock_id=LOCK, now=now)

    assert await anchor() is None  # an empty chain has no head
    await append(engine, 2)
    first = await anchor()
    assert first is not None and first.position == 2 and await anchor() is None
    await append(engine, 1)
    moved = await anchor()
    assert moved is not None and moved.position == 3
    async with engine.connect() as conn:
        assert [a.position for a in await read_anchors(conn, ANCHORS, HEAD)] == [2, 3]
