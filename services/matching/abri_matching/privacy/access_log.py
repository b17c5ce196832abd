"""The access log of personal data: who read which household's data, when and why.

Entries form a hash chain (each holds the SHA-256 of the previous entry's hash and its own fields), so
that a deleted or altered entry breaks the chain (CNIL logging recommendation, 2021: timestamped,
tamper-evident, minimal personal data). Appends take a transaction-level advisory lock so that the
chain stays linear under concurrent reads. The log holds ids only, never the data read.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_matching.db.households import AccessLogEntry

GENESIS = "0" * 64
CHAIN_LOCK = 0x61627269_6C6F67  # "abrilog": serialises appends to the chain


def entry_hash(previous: str, at: datetime, actor: str, actor_org: str | None, household_id: uuid.UUID, purpose: str) -> str:
    fields = "|".join((previous, at.astimezone(UTC).isoformat(), actor, actor_org or "", str(household_id), purpose))
    return hashlib.sha256(fields.encode()).hexdigest()


async def append(session: AsyncSession, *, actor: str, actor_org: str | None, household_id: uuid.UUID, purpose: str) -> AccessLogEntry:
    """Add an entry in the caller's transaction (the read and its log commit together)."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK)))
    previous = await session.scalar(sa.select(AccessLogEntry.hash).order_by(AccessLogEntry.seq.desc()).limit(1))
    at = datetime.now(UTC).replace(microsecond=0)
    link = previous or GENESIS
    entry = AccessLogEntry(
        at=at,
        actor=actor,
        actor_org=actor_org,
        household_id=household_id,
        purpose=purpose,
        previous_hash=link,
        hash=entry_hash(link, at, actor, actor_org, household_id, purpose),
    )
    session.add(entry)
    await session.flush()
    return entry


def broken_links(entries: Sequence[AccessLogEntry]) -> list[int]:
    """The ``seq`` of every entry (in chain order) whose hash or link does not hold."""
    broken = []
    previous = entries[0].previous_hash if entries else GENESIS
    for entry in entries:
        expected = entry_hash(entry.previous_hash, entry.at, entry.actor, entry.actor_org, entry.household_id, entry.purpose)
        if entry.previous_hash != previous or entry.hash != expected:
            broken.append(entry.seq)
        previous = entry.hash
    return broken
