"""The kit's access log: a hash chain over a service's own table, whatever it names the subject's id;
a rewritten or removed entry shows, and concurrent appends keep the chain linear (PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from abri_kit import access_log
from abri_kit.access_log import GENESIS, broken_links, entry_hash
from tests.support import database_url

LOCK = 0x6B69_7474_6573_74  # "kittest"
FILE = uuid.UUID("0b9a3c1e-5d0f-4d47-9a8e-0c6f5b2b7e11")


class Base(DeclarativeBase):
    pass


class FileAccess(Base):
    """A service's log whose subject is a file (``file_id``), as guarantees has it."""

    __tablename__ = "kit_test_access_log"

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_org: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    file_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    previous_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


def chain(count: int) -> list[FileAccess]:
    """``count`` entries linked as append links them (built in memory)."""
    entries, link = [], GENESIS
    for seq in range(1, count + 1):
        at = datetime(2026, 3, 1, 10, tzinfo=UTC) + timedelta(minutes=seq)
        entry = FileAccess(seq=seq, at=at, actor=f"sw-{seq}", actor_org="assoc-1", file_id=FILE, purpose="review", previous_hash=link)
        entry.hash = link = entry_hash(link, at, entry.actor, entry.actor_org, FILE, entry.purpose)
        entries.append(entry)
    return entries


@pytest.mark.unit
def test_the_hash_of_an_entry_is_the_one_matching_chained_before_the_move() -> None:
    """Matching's chains written before the move to the kit still verify: the same fields, the same hash."""
    first = entry_hash(GENESIS, datetime(2026, 3, 1, 11, tzinfo=timezone(timedelta(hours=1))), "sw-1", "assoc-1", FILE, "contact")
    assert first == "e59724be6fec46ebb8ab6afe2be34de6092ea9f1fa0902ca67c80bd1d10dbecb"
    second = entry_hash(first, datetime(2026, 3, 1, 10, 5, tzinfo=UTC), "household-sub", None, FILE, "support_follow_up")
    assert second == "10a5bbd6b3ffb2b0a3ba5cb6576e0ebb0d2240d1db9dc775342ca8f0857097eb"


@pytest.mark.unit
def test_a_rewritten_or_removed_entry_breaks_the_chain() -> None:
    entries = chain(5)
    assert broken_links(entries, "file_id") == [] and broken_links([], "file_id") == []
    assert broken_links(entries[:2] + entries[3:], "file_id") == [4]  # the third removed
    entries[1].file_id = uuid.uuid4()  # the read pinned on another file afterwards
    assert broken_links(entries, "file_id") == [2]
    with pytest.raises(AttributeError):
        broken_links(entries, "household_id")


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    """The scratch database with the test log table, dropped afterwards."""
    engine = create_async_engine(database_url("bustest"), pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine.dispose()


async def test_concurrent_appends_keep_one_linear_chain(engine: AsyncEngine) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def reads(actor: str) -> None:
        for _ in range(10):
            async with sessions() as session, session.begin():
                entry = await access_log.append(
                    session, FileAccess, subject="file_id", subject_id=FILE, actor=actor, actor_org=None, purpose="review", lock_id=LOCK
                )
                assert isinstance(entry, FileAccess) and entry.file_id == FILE
                await asyncio.sleep(0)  # let the others try to append meanwhile

    await asyncio.gather(*(reads(f"sw-{n}") for n in range(5)))
    async with sessions() as session:
        entries = list((await session.scalars(sa.select(FileAccess).order_by(FileAccess.seq))).all())
    assert len(entries) == 50 and entries[0].previous_hash == GENESIS
    assert broken_links(entries, "file_id") == []
    assert len({entry.previous_hash for entry in entries}) == 50  # no two entries on the same link: no fork


async def test_a_subject_the_model_does_not_have_is_refused(engine: AsyncEngine) -> None:
    async with async_sessionmaker(engine)() as session:
        with pytest.raises(ValueError, match="no column 'household_id'"):
            await access_log.append(
                session, FileAccess, subject="household_id", subject_id=FILE, actor="sw-1", actor_org=None, purpose="review", lock_id=LOCK
            )
