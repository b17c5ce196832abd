"""The access log of personal data: who read which owner's data (a household, a file), when and why.

Entries form a hash chain (each holds the SHA-256 of the previous entry's hash and its own fields), so
that a deleted or altered entry breaks the chain (CNIL logging recommendation, 2021: timestamped,
tamper-evident, minimal personal data). Appends take a transaction-level advisory lock so that the
chain stays linear under concurrent reads. The log holds ids only, never the data read.

Each service maps its own table (SQLAlchemy declarative) with the columns of :class:`LoggedAccess`
(``seq`` an identity primary key) and one more: the id of whose data were read, under a name of the
service's (``household_id``, ``file_id``), given to :func:`append` and :func:`broken_links` as
``subject``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import class_mapper

GENESIS = "0" * 64
"""The link of the first entry."""


class LoggedAccess(Protocol):
    """An entry of the log, as the chain reads it (the subject's id aside, under the service's name)."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def actor_org(self) -> str | None: ...
    @property
    def purpose(self) -> str: ...
    @property
    def previous_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


class LoggedAccessModel(LoggedAccess, Protocol):
    """A mapped class of entries, built from its columns' values (as a declarative class is)."""

    def __init__(self, **values: Any) -> None: ...


E = TypeVar("E", bound=LoggedAccessModel)


def entry_hash(previous: str, at: datetime, actor: str, actor_org: str | None, subject_id: uuid.UUID, purpose: str) -> str:
    fields = "|".join((previous, at.astimezone(UTC).isoformat(), actor, actor_org or "", str(subject_id), purpose))
    return hashlib.sha256(fields.encode()).hexdigest()


async def append(
    session: AsyncSession,
    model: type[E],
    *,
    subject: str,
    subject_id: uuid.UUID,
    actor: str,
    actor_org: str | None,
    purpose: str,
    lock_id: int,
    at: datetime | None = None,
) -> E:
    """Add an entry to the chain of ``model`` in the caller's transaction (the read and its log commit
    together). ``subject`` names the model's column of the subject's id; ``lock_id`` is the advisory lock
    (a bigint of the service's) that serialises the appends to this chain; ``at`` is the read's instant (the
    use case's, from the service's clock; the wall clock if not given), kept to the microsecond."""
    columns = class_mapper(model).columns
    if subject not in columns:
        raise ValueError(f"{model.__name__} has no column {subject!r}")
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))
    previous = await session.scalar(sa.select(columns["hash"]).order_by(columns["seq"].desc()).limit(1))
    at = at or datetime.now(UTC)  # to the microsecond, as stored: reads are listed by time, then by hash
    link = previous or GENESIS
    entry = model(
        at=at,
        actor=actor,
        actor_org=actor_org,
        purpose=purpose,
        previous_hash=link,
        hash=entry_hash(link, at, actor, actor_org, subject_id, purpose),
        **{subject: subject_id},
    )
    session.add(entry)
    await session.flush()
    return entry


def broken_links(entries: Sequence[LoggedAccess], subject: str) -> list[int]:
    """The ``seq`` of every entry (in chain order) whose hash or link does not hold; ``subject`` names
    the entries' attribute holding the subject's id."""
    broken = []
    previous = entries[0].previous_hash if entries else GENESIS
    for entry in entries:
        expected = entry_hash(entry.previous_hash, entry.at, entry.actor, entry.actor_org, getattr(entry, subject), entry.purpose)
        if entry.previous_hash != previous or entry.hash != expected:
            broken.append(entry.seq)
        previous = entry.hash
    return broken
