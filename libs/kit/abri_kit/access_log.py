"""The access log of personal data: who read whose data (a household, a file), in which role, for which
organisation, when and why (a coded purpose). ``docs/access-log.md`` tells the whole design.

- **A keyed chain.** Each entry carries its position in the chain (1, 2, 3... since the first entry ever),
  the MAC of the entry before it and its own MAC: HMAC-SHA-256 over its fields and that link, under a key
  from the service's secrets (``ABRI_<SERVICE>_ACCESS_LOG_KEY``: ``kid:base64[,kid:base64...]``, the first
  one current, as the KEKs are written), never stored in the database. The entry names its key (``key_id``),
  so the key can be rotated: older entries verify under the key they name. Without the key an edited entry
  cannot be given a valid MAC again.
- **Append-only tables.** :func:`install_append_only_v1` (a migration step) revokes UPDATE, DELETE and
  TRUNCATE from the table's owner (the service's role) and adds triggers that refuse them anyway. The one
  DELETE the trigger lets through is a retention prune (:func:`prune`): a prefix of the chain, every
  entry older than the floor written in the migration, and an anchor of the last pruned entry recorded
  first (the chain's new start, for the verifier).
- **Anchors outside.** :func:`anchor_head` records the chain's head (position, seq, MAC, time, key id) in
  the anchors table; each service publishes it as an event (``abri.<service>.access_log.anchored.v1``,
  topic ``abri.<service>.audit``) that the database's owner cannot take back.
- **A verifier.** :func:`verify` (pure) finds a deletion anywhere, a truncation at the start (the first
  entry links neither to the genesis nor to the last prune anchor) or at the end (an anchored head is
  missing), a reorder, and an entry edited then re-hashed without the key.

Entries hold ids, a role, an organisation id, a coded purpose and a time: never the data read.
Each service maps its own tables (SQLAlchemy declarative) with the columns of :class:`LoggedAccess`
(``seq`` an identity primary key) and one more, the id of whose data were read, under a name of the
service's (``household_id``, ``file_id``), given to :func:`append` as ``subject``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import os
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Protocol, TypeVar

import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import BaseModel, Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, class_mapper, mapped_column

from abri_auth.principal import Principal
from abri_kit.pagination import PageRequest
from abri_kit.periodic import periodic
from abri_kit.repository import ScopedRepository
from abri_kit.usecase import Context

GENESIS = "0" * 64
"""The link of the first entry ever."""
LEGACY_KEY_ID = "sha256"
"""The ``key_id`` of entries written before the chain had a key: plain SHA-256, kept as they were."""
MAC_VERSION = "abri-access-log-v1"
KEY_BYTES = 32
PRUNE_FLOOR = "6 months"
"""The youngest an entry may be when a retention prune removes it (CNIL, recommendation on logging of
14 October 2021: keep logs six months to one year): written into the trigger by the migration."""
Subject = uuid.UUID | str
"""Whose data were read: a pseudonymous id (a household's, a file's) or a person's opaque sign-in subject
(notifications keys its log by the person)."""
ROLE_ORDER = ("fund_agent", "social_worker", "owner", "household", "partner", "ops")
"""The role an entry names when the reader holds several: the most specific first."""
HEAD = "head"
PRUNE = "prune"


class AccessLogKeyError(ValueError):
    """The MAC key list is absent or malformed."""


@dataclass(frozen=True)
class MacKeys:
    """The MAC keys of one chain, ``{kid: key}``; ``current`` signs new entries."""

    keys: Mapping[str, bytes]
    current: str

    @classmethod
    def parse(cls, text: str, variable: str = "the access log key list") -> MacKeys:
        """``kid:base64key[,kid:base64key...]``, the first one current, each key at least 32 bytes."""
        keys: dict[str, bytes] = {}
        for part in (piece.strip() for piece in text.split(",") if piece.strip()):
            kid, _, encoded = part.partition(":")
            if not kid or not encoded:
                raise AccessLogKeyError(f"{variable}: each key is written kid:base64key")
            if kid == LEGACY_KEY_ID or not kid.replace("-", "").replace("_", "").isalnum() or len(kid) > 50:
                raise AccessLogKeyError(f"{variable}: {kid!r} is not a usable key id (letters, digits, - and _; not {LEGACY_KEY_ID!r})")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (ValueError, binascii.Error) as exc:
                raise AccessLogKeyError(f"{variable}: key {kid!r} is not base64") from exc
            if len(key) < KEY_BYTES:
                raise AccessLogKeyError(f"{variable}: key {kid!r} must be at least {KEY_BYTES} bytes")
            keys[kid] = key
        if not keys:
            raise AccessLogKeyError(f"{variable} holds no key")
        return cls(keys, next(iter(keys)))

    @classmethod
    def from_environment(cls, variable: str) -> MacKeys:
        """The keys in ``variable`` (``ABRI_MATCHING_ACCESS_LOG_KEY``); :class:`AccessLogKeyError` if unset."""
        text = os.environ.get(variable, "")
        if not text.strip():
            raise AccessLogKeyError(f"{variable} is not set: the access log's entries are signed with it")
        return _parsed(text, variable)

    @staticmethod
    def generate_entry(kid: str) -> str:
        """A new ``kid:base64key`` entry (for ``make run`` and for ops adding a key)."""
        return f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


@lru_cache(maxsize=16)
def _parsed(text: str, variable: str) -> MacKeys:
    return MacKeys.parse(text, variable)


def role_of(roles: Iterable[str]) -> str:
    """The role a reader holding ``roles`` is logged under (the most specific one)."""
    held = set(roles)
    return next((role for role in ROLE_ORDER if role in held), "system" if not held else sorted(held)[0])


def legacy_hash(previous: str, at: datetime, actor: str, actor_org: str | None, subject_id: Subject, purpose: str) -> str:
    """The plain SHA-256 of an entry written before the chain had a key (still verified as it was)."""
    fields = "|".join((previous, at.astimezone(UTC).isoformat(), actor, actor_org or "", str(subject_id), purpose))
    return hashlib.sha256(fields.encode()).hexdigest()


def entry_mac(
    key: bytes,
    *,
    key_id: str,
    position: int,
    previous: str,
    at: datetime,
    actor: str,
    actor_role: str | None,
    actor_org: str | None,
    subject_id: Subject,
    purpose: str,
) -> str:
    """HMAC-SHA-256 of an entry's fields (a JSON array: no field can run into the next) under ``key``."""
    fields = [
        MAC_VERSION,
        key_id,
        position,
        previous,
        at.astimezone(UTC).isoformat(),
        actor,
        actor_role,
        actor_org,
        str(subject_id),
        purpose,
    ]
    return hmac.new(key, json.dumps(fields, separators=(",", ":")).encode(), hashlib.sha256).hexdigest()


class LoggedAccess(Protocol):
    """An entry of the log, as the chain reads it (the subject's id aside, under the service's name)."""

    @property
    def seq(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def actor_role(self) -> str | None: ...
    @property
    def actor_org(self) -> str | None: ...
    @property
    def purpose(self) -> str: ...
    @property
    def key_id(self) -> str: ...
    @property
    def previous_mac(self) -> str: ...
    @property
    def mac(self) -> str: ...


class LoggedAccessModel(LoggedAccess, Protocol):
    """A mapped class of entries, built from its columns' values (as a declarative class is)."""

    def __init__(self, **values: Any) -> None: ...


class AnchorModel(Protocol):
    """A mapped class of anchors (``kind``, ``position``, ``seq``, ``mac``, ``at``, ``key_id``, ``anchored_at``)."""

    def __init__(self, **values: Any) -> None: ...


E = TypeVar("E", bound=LoggedAccessModel)


@dataclass(frozen=True)
class ChainEntry:
    """An entry as the verifier reads it, whatever the service calls its subject."""

    seq: int
    position: int
    at: datetime
    actor: str
    actor_role: str | None
    actor_org: str | None
    subject_id: Subject
    purpose: str
    key_id: str
    previous_mac: str
    mac: str


@dataclass(frozen=True)
class Anchor:
    """A point of the chain recorded outside it: its ``head`` at some instant, or the last entry a retention
    ``prune`` removed (the chain's new start). ``count`` is the position: entries since the first ever."""

    kind: str
    position: int
    seq: int
    mac: str
    at: datetime
    key_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "position": self.position,
            "seq": self.seq,
            "mac": self.mac,
            "at": self.at.isoformat(),
            "key_id": self.key_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Anchor:
        """From :meth:`to_json`'s shape, or from an anchored event's data (``head_position``...)."""
        if "head_position" in data:
            return cls(
                kind=str(data.get("kind", HEAD)),
                position=int(data["head_position"]),
                seq=int(data["head_seq"]),
                mac=str(data["head_mac"]),
                at=datetime.fromisoformat(str(data["head_at"])),
                key_id=str(data["key_id"]),
            )
        at = data["at"]
        return cls(
            kind=str(data["kind"]),
            position=int(data["position"]),
            seq=int(data["seq"]),
            mac=str(data["mac"]),
            at=at if isinstance(at, datetime) else datetime.fromisoformat(str(at)),
            key_id=str(data["key_id"]),
        )


@dataclass(frozen=True)
class Finding:
    """Something the chain does not hold: ``kind`` one of ``truncated_start``, ``deleted``, ``reordered``,
    ``duplicated``, ``edited``, ``broken_link``, ``unknown_key``, ``truncated_end``, ``anchor_mismatch``,
    ``prune_not_anchored``, ``legacy_after_keyed``."""

    kind: str
    position: int | None
    detail: str


@dataclass
class Verification:
    """What :func:`verify` found: nothing in ``findings`` means the chain holds."""

    entries: int
    first_position: int | None
    last_position: int | None
    start: Anchor | None
    anchors_checked: int
    legacy_entries: int
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_position": self.first_position,
            "last_position": self.last_position,
            "start": self.start.to_json() if self.start else None,
            "anchors_checked": self.anchors_checked,
            "legacy_entries": self.legacy_entries,
            "findings": [{"kind": f.kind, "position": f.position, "detail": f.detail} for f in self.findings],
            "notes": self.notes,
        }


def expected_mac(entry: ChainEntry, keys: MacKeys) -> str | None:
    """The MAC ``entry`` should carry (its legacy hash for an entry from before the key); None if its key is unknown."""
    if entry.key_id == LEGACY_KEY_ID:
        return legacy_hash(entry.previous_mac, entry.at, entry.actor, entry.actor_org, entry.subject_id, entry.purpose)
    key = keys.keys.get(entry.key_id)
    if key is None:
        return None
    return entry_mac(
        key,
        key_id=entry.key_id,
        position=entry.position,
        previous=entry.previous_mac,
        at=entry.at,
        actor=entry.actor,
        actor_role=entry.actor_role,
        actor_org=entry.actor_org,
        subject_id=entry.subject_id,
        purpose=entry.purpose,
    )


def verify(
    entries: Sequence[ChainEntry],
    keys: MacKeys,
    *,
    start: Anchor | None = None,
    anchors: Sequence[Anchor] | None = None,
    prunes: Sequence[Anchor] = (),
) -> Verification:
    """Check a chain read in the order it was written (``seq``). ``start``: the last prune anchor (the
    chain's new start; None: the genesis). ``anchors``: the heads (and prunes) published outside the
    database; None if none were read (then a truncation at the end cannot be seen). ``prunes``: the prune
    anchors the database holds, each of which must have been published."""
    report = Verification(
        entries=len(entries),
        first_position=None,
        last_position=None,
        start=start,
        anchors_checked=0,
        legacy_entries=sum(1 for e in entries if e.key_id == LEGACY_KEY_ID),
    )
    found = report.findings.append
    # 1. the order written (seq) against the order chained (position)
    for before, after in itertools.pairwise(entries):
        if after.position < before.position:
            found(
                Finding(
                    "reordered",
                    after.position,
                    f"entry {after.position} was written after entry {before.position} (seq {after.seq} > {before.seq})",
                )
            )
    by_position: dict[int, ChainEntry] = {}
    for entry in entries:
        if entry.position in by_position:
            found(
                Finding(
                    "duplicated",
                    entry.position,
                    f"two entries at position {entry.position} (seq {by_position[entry.position].seq} and {entry.seq})",
                )
            )
        by_position.setdefault(entry.position, entry)
    chained = sorted(by_position.values(), key=lambda e: e.position)
    # 2. the start: the genesis, or the last prune anchor
    first_expected = start.position + 1 if start else 1
    link = start.mac if start else GENESIS
    if chained:
        report.first_position, report.last_position = chained[0].position, chained[-1].position
        first = chained[0]
        if first.position > first_expected:
            where = f"after the prune anchor at {start.position}" if start else "since the genesis"
            found(
                Finding(
                    "truncated_start", first.position, f"entries {first_expected}..{first.position - 1} are missing at the start ({where})"
                )
            )
            link = first.previous_mac  # judged from here on
        elif first.position < first_expected:
            found(Finding("truncated_start", first.position, f"entry {first.position} is before the chain's start ({first_expected})"))
            link = first.previous_mac
        elif first.previous_mac != link:
            what = "the last prune anchor" if start else "the genesis"
            found(Finding("truncated_start", first.position, f"the first entry does not link to {what}"))
            link = first.previous_mac
    # 3. every link and every MAC, in the chain's order
    keyed_seen = False
    previous: ChainEntry | None = None
    for entry in chained:
        if previous is not None:
            if entry.position != previous.position + 1:
                found(Finding("deleted", entry.position, f"entries {previous.position + 1}..{entry.position - 1} are missing"))
            elif entry.previous_mac != previous.mac:
                found(Finding("broken_link", entry.position, f"entry {entry.position} does not link to entry {previous.position}"))
        elif entry.previous_mac != link:
            pass  # reported above as a truncated start
        if entry.key_id == LEGACY_KEY_ID:
            if keyed_seen:
                found(Finding("legacy_after_keyed", entry.position, f"entry {entry.position} claims to be unkeyed after keyed entries"))
        else:
            keyed_seen = True
        mac = expected_mac(entry, keys)
        if mac is None:
            found(
                Finding(
                    "unknown_key", entry.position, f"entry {entry.position} names key {entry.key_id!r}, which is not among the keys given"
                )
            )
        elif not hmac.compare_digest(mac, entry.mac):
            found(Finding("edited", entry.position, f"entry {entry.position}'s MAC does not match its fields (edited)"))
        previous = entry
    # 4. the anchors published outside the database
    if anchors is None:
        report.notes.append("no anchors were read: a truncation at the end of the chain cannot be seen")
    else:
        last = chained[-1].position if chained else (start.position if start else 0)
        for anchored in anchors:
            if anchored.position < first_expected:
                continue  # pruned since (its prune anchor is the start)
            report.anchors_checked += 1
            there = by_position.get(anchored.position)
            if there is None:
                if anchored.position > last:
                    found(
                        Finding(
                            "truncated_end",
                            anchored.position,
                            f"the chain ends at {last} but its head was anchored at {anchored.position} on {anchored.at.isoformat()}",
                        )
                    )
                else:
                    found(Finding("deleted", anchored.position, f"the anchored entry {anchored.position} is missing"))
            elif there.mac != anchored.mac:
                found(
                    Finding(
                        "anchor_mismatch",
                        anchored.position,
                        f"entry {anchored.position} differs from the one anchored on {anchored.at.isoformat()} (rewritten)",
                    )
                )
        published = {(a.position, a.mac) for a in anchors if a.kind == PRUNE}
        for prune_anchor in prunes:
            if (prune_anchor.position, prune_anchor.mac) not in published:
                found(
                    Finding("prune_not_anchored", prune_anchor.position, f"the prune anchor at {prune_anchor.position} was never published")
                )
    if report.legacy_entries:
        report.notes.append(f"{report.legacy_entries} entries predate the key (plain SHA-256): a re-hashed edit of those cannot be seen")
    return report


# --- the database side ------------------------------------------------------------------------------


async def append(
    session: AsyncSession,
    model: type[E],
    *,
    subject: str,
    subject_id: Subject,
    actor: str,
    actor_role: str,
    actor_org: str | None,
    purpose: str,
    lock_id: int,
    keys: MacKeys,
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
    last = (await session.execute(sa.select(columns["position"], columns["mac"]).order_by(columns["seq"].desc()).limit(1))).first()
    position, link = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = at or datetime.now(UTC)
    mac = entry_mac(
        keys.keys[keys.current],
        key_id=keys.current,
        position=position,
        previous=link,
        at=at,
        actor=actor,
        actor_role=actor_role,
        actor_org=actor_org,
        subject_id=subject_id,
        purpose=purpose,
    )
    values = {"position": position, "at": at, "actor": actor, "actor_role": actor_role, "actor_org": actor_org, "purpose": purpose}
    entry = model(**values, key_id=keys.current, previous_mac=link, mac=mac, **{subject: subject_id})
    session.add(entry)
    await session.flush()
    return entry


def _anchor_of(row: Any, kind: str) -> Anchor:
    return Anchor(kind=kind, position=row.position, seq=row.seq, mac=row.mac, at=row.at, key_id=row.key_id)


async def anchor_head(session: AsyncSession, model: type[Any], anchors: type[AnchorModel], *, lock_id: int, now: datetime) -> Anchor | None:
    """Record the chain's head in ``anchors`` if it moved since the last head anchored (under the append
    lock: the head read is the head); the anchor to publish, or None. Safe with several replicas: the second
    finds the head already anchored."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))
    head = (await session.execute(sa.select(model).order_by(model.seq.desc()).limit(1))).scalar_one_or_none()
    if head is None:
        return None
    last = await session.scalar(sa.select(sa.func.max(anchors.position)).where(anchors.kind == HEAD))  # type: ignore[attr-defined]
    if last is not None and last >= head.position:
        return None
    found = _anchor_of(head, HEAD)
    session.add(anchors(**{k: v for k, v in found.to_json().items() if k != "at"}, at=found.at, anchored_at=now))
    await session.flush()
    return found


async def prune(
    session: AsyncSession, model: type[Any], anchors: type[AnchorModel], *, before: datetime, lock_id: int, now: datetime
) -> Anchor | None:
    """Remove the entries older than ``before`` that start the chain (always keeping its last entry, which
    the next one links to), after recording an anchor of the last one removed: the chain's new start. The
    table's trigger checks all of it (a prefix, older than :data:`PRUNE_FLOOR`, anchored first). The role
    grants itself DELETE for this statement only (the owner may: ``docs/access-log.md`` says why that is no
    weakness). Returns the prune anchor to publish, or None if nothing was old enough."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))
    young = sa.select(sa.func.min(model.seq)).where(model.at >= before).scalar_subquery()
    newest = sa.select(sa.func.max(model.seq)).scalar_subquery()
    bound = sa.func.least(sa.func.coalesce(young, newest), newest)
    last = (await session.execute(sa.select(model).where(model.seq < bound).order_by(model.seq.desc()).limit(1))).scalar_one_or_none()
    if last is None:
        return None
    found = _anchor_of(last, PRUNE)
    session.add(anchors(**{k: v for k, v in found.to_json().items() if k != "at"}, at=found.at, anchored_at=now))
    await session.flush()
    table = model.__table__.name
    await session.execute(sa.text(f'GRANT DELETE ON "{table}" TO CURRENT_USER'))
    await session.execute(sa.delete(model).where(model.seq <= last.seq))
    await session.execute(sa.text(f'REVOKE DELETE ON "{table}" FROM CURRENT_USER'))
    return found


async def read_chain(connection: AsyncConnection, table: str, subject: str) -> list[ChainEntry]:
    """Every entry of ``table`` in the order written (``seq``); ``subject`` names its subject column."""
    names = ("seq", "position", "at", "actor", "actor_role", "actor_org", "purpose", "key_id", "previous_mac", "mac")
    chain = sa.table(table, *(sa.column(name) for name in (*names, subject)))
    statement = sa.select(*(chain.c[name] for name in names), chain.c[subject].label("subject_id")).order_by(chain.c.seq)
    return [ChainEntry(**row._mapping) for row in await connection.execute(statement)]


async def read_anchors(connection: AsyncConnection, table: str, kind: str) -> list[Anchor]:
    """The anchors of ``kind`` the database holds (``table``: the chain's anchors table), oldest first."""
    names = ("kind", "position", "seq", "mac", "at", "key_id")
    anchors = sa.table(table, *(sa.column(name) for name in names))
    statement = sa.select(*(anchors.c[name] for name in names)).where(anchors.c.kind == kind).order_by(anchors.c.position)
    return [Anchor(**row._mapping) for row in await connection.execute(statement)]


# --- migration steps (frozen: a later change is a new step) -----------------------------------------


def install_append_only_v1(op: Any, table: str, anchors: str, floor: str = PRUNE_FLOOR) -> None:
    """Make ``table`` (a chain) and ``anchors`` (its anchors) append-only for their owner, the service's role:
    UPDATE, DELETE and TRUNCATE revoked, and triggers that refuse them anyway, but for a retention prune of
    ``table`` (a prefix, every entry older than ``floor``, its prune anchor recorded first)."""
    refuse = f"""
        CREATE FUNCTION {table}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$"""
    prune_check = f"""
        CREATE FUNCTION {table}_prune_check() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            last_seq bigint;
            last_mac text;
            young bigint;
        BEGIN
            SELECT max(seq) INTO last_seq FROM pruned;
            IF last_seq IS NULL THEN
                RETURN NULL;
            END IF;
            SELECT count(*) INTO young FROM pruned WHERE at >= now() - interval '{floor}';
            IF young > 0 THEN
                RAISE EXCEPTION '{table}: % entries are younger than the retention floor ({floor})', young
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF EXISTS (SELECT 1 FROM {table} WHERE seq < last_seq) THEN
                RAISE EXCEPTION '{table}: only a prefix of the chain may be pruned' USING ERRCODE = 'insufficient_privilege';
            END IF;
            SELECT mac INTO last_mac FROM pruned WHERE seq = last_seq;
            IF NOT EXISTS (SELECT 1 FROM {anchors} WHERE kind = 'prune' AND seq = last_seq AND mac = last_mac) THEN
                RAISE EXCEPTION '{table}: a prune records its anchor first' USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NULL;
        END $$"""  # noqa: S608 (the migration's own table names)
    for statement in (
        refuse,
        prune_check,
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()",
        f"CREATE TRIGGER {table}_prune_only AFTER DELETE ON {table} REFERENCING OLD TABLE AS pruned "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_prune_check()",
        f"CREATE TRIGGER {anchors}_no_change BEFORE UPDATE OR DELETE ON {anchors} FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()",
        f"CREATE TRIGGER {anchors}_no_truncate BEFORE TRUNCATE ON {anchors} FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM CURRENT_USER, PUBLIC",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {anchors} FROM CURRENT_USER, PUBLIC",
    ):
        op.execute(statement)


def remove_append_only_v1(op: Any, table: str, anchors: str) -> None:
    """Undo :func:`install_append_only_v1`."""
    for statement in (
        f"GRANT UPDATE, DELETE, TRUNCATE ON {table} TO CURRENT_USER",
        f"GRANT UPDATE, DELETE, TRUNCATE ON {anchors} TO CURRENT_USER",
        f"DROP TRIGGER {anchors}_no_truncate ON {anchors}",
        f"DROP TRIGGER {anchors}_no_change ON {anchors}",
        f"DROP TRIGGER {table}_prune_only ON {table}",
        f"DROP TRIGGER {table}_no_truncate ON {table}",
        f"DROP TRIGGER {table}_no_update ON {table}",
        f"DROP FUNCTION {table}_prune_check()",
        f"DROP FUNCTION {table}_refuse()",
    ):
        op.execute(statement)


def chain_columns_v1(op: Any, table: str, anchors: str) -> None:
    """Migration step (frozen): turn a SHA-256 chain (``previous_hash``, ``hash``) into the keyed one: the
    columns renamed (``previous_mac``, ``mac``), ``position`` numbered in the order written, ``key_id``
    (:data:`LEGACY_KEY_ID` for the entries already there, which keep their hashes) and ``actor_role`` added;
    and the anchors table created."""
    op.alter_column(table, "previous_hash", new_column_name="previous_mac")
    op.alter_column(table, "hash", new_column_name="mac")
    op.add_column(table, sa.Column("position", sa.BigInteger, nullable=True))
    op.add_column(table, sa.Column("key_id", sa.String(50), nullable=False, server_default=LEGACY_KEY_ID))
    op.add_column(table, sa.Column("actor_role", sa.String(30), nullable=True))
    numbered = f"SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM {table}"  # noqa: S608 (a migration's own table name)
    op.execute(f"UPDATE {table} SET position = numbered.n FROM ({numbered}) AS numbered WHERE {table}.seq = numbered.seq")  # noqa: S608
    op.alter_column(table, "position", nullable=False)
    op.alter_column(table, "key_id", server_default=None)
    op.create_index(f"uq_{table}_position", table, ["position"], unique=True)
    _create_anchors_v1(op, anchors)


def _create_anchors_v1(op: Any, anchors: str) -> None:
    """Create a chain's anchors table (frozen: the shape :class:`AnchorColumns` maps)."""
    op.create_table(
        anchors,
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(50), nullable=False),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('head', 'prune')", name=f"ck_{anchors}_kind"),
    )
    op.create_index(f"ix_{anchors}_kind_position", anchors, ["kind", "position"])


def create_chain_v1(op: Any, table: str, anchors: str, subject: sa.Column[Any]) -> None:
    """Migration step (frozen): create a new keyed chain ``table`` (the columns of :class:`EntryColumns` and
    ``subject``, indexed) and its ``anchors`` table, as :func:`chain_columns_v1` leaves an older one. Follow
    it with :func:`install_append_only_v1`."""
    op.create_table(
        table,
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(30), nullable=True),
        sa.Column("actor_org", sa.String(200), nullable=True),
        subject,
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("key_id", sa.String(50), nullable=False),
        sa.Column("previous_mac", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.create_index(f"uq_{table}_position", table, ["position"], unique=True)
    op.create_index(f"ix_{table}_{subject.name}", table, [subject.name])
    _create_anchors_v1(op, anchors)


def drop_chain_v1(op: Any, table: str, anchors: str) -> None:
    """Undo :func:`create_chain_v1`."""
    op.drop_table(anchors)
    op.drop_table(table)


def unchain_columns_v1(op: Any, table: str, anchors: str) -> None:
    """Undo :func:`chain_columns_v1` (the keyed entries keep their MACs in ``hash``: they no longer verify as SHA-256)."""
    op.drop_table(anchors)
    op.drop_index(f"uq_{table}_position", table_name=table)
    op.drop_column(table, "actor_role")
    op.drop_column(table, "key_id")
    op.drop_column(table, "position")
    op.alter_column(table, "mac", new_column_name="hash")
    op.alter_column(table, "previous_mac", new_column_name="previous_hash")


# --- settings and upkeep shared by the services that keep a chain -----------------------------------

RETENTION_DAYS_MIN = 190
"""The shortest retention a service may be configured with: above the trigger's floor of six months
(184 days at most) with a margin, so a prune the service asks for is never refused."""


class AccessLogSettings(BaseModel):
    """The access log's settings, mixed into a service's settings (``ABRI_<SERVICE>_ACCESS_LOG_*``)."""

    access_log_key: SecretStr | None = Field(
        default=None,
        description=(
            "The access log's MAC keys, `kid:base64(32+ bytes)[,kid:...]`, the first one current (older ones verify "
            "older entries). Required to serve; from a secret, never from the repo or the database."
        ),
    )
    access_log_retention_days: int = Field(
        default=365,
        ge=RETENTION_DAYS_MIN,
        le=366,
        description="Days an access log entry is kept before a prune removes it (CNIL, logging recommendation 2021: 6 months to 1 year).",
    )
    access_log_anchor_s: float = Field(
        default=300.0, gt=0, description="How often the access log's head is anchored (an event) and old entries pruned."
    )

    def access_log_keys(self, variable: str) -> MacKeys:
        """The MAC keys; :class:`AccessLogKeyError` if absent or malformed (``variable`` names them in the message)."""
        if self.access_log_key is None:
            raise AccessLogKeyError(f"{variable} is not set: the access log's entries are signed with it")
        return MacKeys.parse(self.access_log_key.get_secret_value(), variable)


class EntryColumns:
    """The columns of a chain's entries, for a service's declarative class (it adds its subject's column
    and its ``__tablename__`` and ``__table_args__``)."""

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    position: Mapped[int] = mapped_column(sa.BigInteger)
    """The entry's place in the chain, 1 for the first entry ever (a prune does not renumber)."""
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_role: Mapped[str | None] = mapped_column(sa.String(30), nullable=True)
    """The reader's role (``social_worker``, ``fund_agent``, ``household``...); None for entries from before it was kept."""
    actor_org: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    key_id: Mapped[str] = mapped_column(sa.String(50))
    previous_mac: Mapped[str] = mapped_column(sa.String(64))
    mac: Mapped[str] = mapped_column(sa.String(64))


class AnchorColumns:
    """The columns of a chain's anchors table: a ``head`` (also published) or the last entry a retention
    ``prune`` removed (the chain's new start)."""

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    position: Mapped[int] = mapped_column(sa.BigInteger)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    mac: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(sa.String(50))
    anchored_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def table_args_v1(table: str, anchors: str) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The ``__table_args__`` of the entries' and the anchors' classes, as :func:`chain_columns_v1` creates them."""
    return (
        (sa.Index(f"uq_{table}_position", "position", unique=True),),
        (
            sa.CheckConstraint("kind IN ('head', 'prune')", name=f"ck_{anchors}_kind"),
            sa.Index(f"ix_{anchors}_kind_position", "kind", "position"),
        ),
    )


# --- a service's chain: appending a reader's read, its anchors, its upkeep ----------------------------


async def append_read(
    session: AsyncSession,
    model: type[E],
    *,
    subject: str,
    subject_id: Subject,
    reader: Principal,
    purpose: str,
    lock_id: int,
    keys: MacKeys,
    at: datetime,
) -> E:
    """:func:`append` the read of ``reader`` (its subject, its role by :func:`role_of`, its organisation)."""
    return await append(
        session,
        model,
        subject=subject,
        subject_id=subject_id,
        actor=reader.subject,
        actor_role=role_of(reader.roles),
        actor_org=reader.org_id,
        purpose=purpose,
        lock_id=lock_id,
        keys=keys,
        at=at,
    )


Entry = TypeVar("Entry")
"""A service's mapped class of entries keyed by ``person`` (a declarative class: not statically a :class:`LoggedAccessModel`)."""


class PersonReadsLog(ScopedRepository[Entry]):
    """The reads of people's data by anyone other than the person, keyed by the person's sign-in subject
    (``person``): a person pages their own entries (``of(ctx)``); appending is the service's (``for_system``),
    in the transaction of the read. A service names its entries' ``model``, its chain's ``lock_id`` and the
    variable holding its MAC keys (``key_variable``: from its secrets, never from the database)."""

    owner_column = "person"
    kind = "access log entry"
    lock_id: ClassVar[int]
    key_variable: ClassVar[str]

    async def append(self, person: str, *, reader: Principal, purpose: StrEnum, at: datetime) -> Entry:
        """Log that ``reader`` read ``person``'s data at ``at`` and why (one of the service's coded purposes)."""
        entry: Entry = await append_read(
            self.session,
            self.model,
            subject="person",
            subject_id=person,
            reader=reader,
            purpose=purpose.value,
            lock_id=self.lock_id,
            keys=MacKeys.from_environment(self.key_variable),
            at=at,
        )
        return entry

    async def page_of(self, person: str, request: PageRequest) -> tuple[list[Entry], str | None]:
        """A person's entries, oldest first (by time, then by MAC: the chain's service-wide ``seq`` and
        ``position`` are shown to no one)."""
        return await self.page(request, (self.model.at, self.model.mac), where=[self.model.person == person])


class ChainAnchors(ScopedRepository[Any]):
    """The anchors of a service's chain, the service's own (``for_system``): ``model`` its anchors class,
    ``entries`` its entries class, ``lock_id`` the lock its appends take."""

    entries: ClassVar[type[Any]]
    lock_id: ClassVar[int]
    kind = "access log anchor"

    async def keep_up(self, before: datetime, now: datetime) -> list[Anchor]:
        """Prune the entries older than ``before`` at the start of the chain (anchored first), then anchor the
        head if it moved: the anchors to publish, in that order."""
        found = (
            await prune(self.session, self.entries, self.model, before=before, lock_id=self.lock_id, now=now),
            await anchor_head(self.session, self.entries, self.model, lock_id=self.lock_id, now=now),
        )
        return [anchor for anchor in found if anchor is not None]


def anchored_fields(anchor: Anchor, *, chain: str, now: datetime) -> dict[str, Any]:
    """The fields of an ``abri.<service>.access_log.anchored.v1`` event (``abri_contracts.audit``) for ``anchor``."""
    return {
        "chain": chain,
        "kind": PRUNE if anchor.kind == PRUNE else HEAD,
        "head_position": anchor.position,
        "head_seq": anchor.seq,
        "head_mac": anchor.mac,
        "head_at": anchor.at,
        "key_id": anchor.key_id,
        "anchored_at": now,
    }


KeepUp = Callable[[Context, int], Awaitable[int]]
"""A service's upkeep use case: ``(ctx, retention_days)`` to the count of anchors published."""


async def run_upkeep(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, retention_days: int, keep_up: KeepUp) -> int:
    """One run of ``keep_up`` in its own transaction at ``now``; how many anchors were published."""
    async with sessionmaker() as session, session.begin():
        return await keep_up(Context.of_system(session, now), retention_days)


def upkeep_sweeper(
    name: str, every_s: float, retention_days: int, keep_up: KeepUp
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The periodic job that runs ``keep_up`` every ``every_s`` (safe with several replicas: each run takes the
    chain's lock, and a head already anchored is not anchored again)."""

    async def sweep(app: FastAPI) -> int:
        return await run_upkeep(app.state.sessionmaker, app.state.clock(), retention_days, keep_up)

    return periodic(name, every_s, sweep, "%d access log anchor(s) published")
