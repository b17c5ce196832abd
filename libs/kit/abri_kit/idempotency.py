"""Idempotent commands: a POST that creates or triggers something honours an ``Idempotency-Key`` header
(IETF httpapi draft "The Idempotency-Key HTTP Header Field"), so that a request retried after a timeout,
or a form sent again by a reload, does its work once.

- The key is the caller's: it is stored with the caller's subject, so one person's key never replays
  another's answer. It is kept :data:`KEEP` (24 hours), then purged.
- The first request claims the key inside the command's own transaction, with a fingerprint of what it
  asks (method, path, body); its answer (status, body, ``Location`` and ``ETag``) is stored in the same
  transaction. A command that fails rolls back the claim with everything else: the key is free again.
- A request with a key already answered, and the same fingerprint, gets the first answer again (with
  ``Idempotent-Replayed: true``) and changes nothing. With another fingerprint it is refused (422).
- Two requests with the same key at the same moment: the second waits for the first's transaction (the
  unique key holds it), then replays its answer; after :data:`WAIT_FOR_SAME_KEY_MS` it answers 409
  (still in progress), so that retries of a slow command never hold every database connection.
- Without the header a POST works as before.

A route takes ``idempotency: Idempotent``, calls ``await idempotency.claim(body)`` before deciding
anything (a replay raises :class:`Replayed`, answered by the app), and ``await idempotency.remember(...)``
with its answer. A secret shown once (a webhook's) is never stored: ``remember(..., secret_fields=...)``
stores it as ``null``, and the route answers a replay itself (catching :class:`Replayed`) with the secret
unwrapped again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.dependencies import CurrentPrincipal
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.problems import Problem

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("location", "etag")
WAIT_FOR_SAME_KEY_MS = 5000
"""How long a request waits for another still running with the same key before answering 409."""
LOCK_NOT_AVAILABLE = "55P03"

metadata = sa.MetaData()
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("subject", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("body", JSONB, nullable=True),
    sa.Column("headers", JSONB, nullable=True),
    sa.Index("ix_idempotency_keys_created_at", "created_at"),
)


class Replayed(Exception):
    """The request repeats one already answered: the app answers with :attr:`response`."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__("replayed")
        self.response = response


def fingerprint(method: str, path: str, body: BaseModel | bytes | None) -> str:
    """What the request asks, hashed: the same body, however its JSON is spaced or ordered, gives the same
    fingerprint (a body validated into another schema version may not)."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    if isinstance(body, BaseModel):
        digest.update(json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode())
    elif body is not None:
        digest.update(body)
    return digest.hexdigest()


@dataclass
class Idempotency:
    """The idempotency record of one request (inactive without a key)."""

    session: AsyncSession
    subject: str
    key: str | None
    method: str
    path: str
    now: datetime
    claimed: bool = field(default=False, init=False)

    async def claim(self, body: BaseModel | bytes | None = None) -> None:
        """Claim the key for this request, or raise :class:`Replayed` with the first answer; 422 when the
        key was used for another request."""
        if self.key is None:
            return
        mine = fingerprint(self.method, self.path, body)
        for _ in range(3):  # a row purged or taken over between two statements: claim again
            try:  # a request with this key still running holds the row: wait for it, a while
                await self.session.execute(sa.text(f"SET LOCAL lock_timeout = '{WAIT_FOR_SAME_KEY_MS}ms'"))
                claimed = await self.session.execute(
                    insert(idempotency_keys)
                    .values(subject=self.subject, key=self.key, fingerprint=mine, created_at=self.now)
                    .on_conflict_do_nothing(index_elements=["subject", "key"])
                    .returning(idempotency_keys.c.key)
                )
                await self.session.execute(sa.text("SET LOCAL lock_timeout = DEFAULT"))
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                raise Problem(409, f"a request with this {HEADER} is still being processed: retry later", title="In progress") from exc
            if claimed.first() is not None:
                self.claimed = True
                return
            row = (
                await self.session.execute(
                    sa.select(idempotency_keys).where(idempotency_keys.c.subject == self.subject, idempotency_keys.c.key == self.key)
                )
            ).first()
            if row is None:
                continue
            if row.created_at < self.now - KEEP:  # an expired key not purged yet: free, if no other request takes it first
                taken = await self.session.execute(
                    idempotency_keys.update()
                    .where(
                        idempotency_keys.c.subject == self.subject,
                        idempotency_keys.c.key == self.key,
                        idempotency_keys.c.created_at < self.now - KEEP,
                    )
                    .values(fingerprint=mine, created_at=self.now, status=None, body=None, headers=None)
                    .returning(idempotency_keys.c.key)
                )
                if taken.first() is not None:
                    self.claimed = True
                    return
                continue
            if row.fingerprint != mine:
                raise Problem(
                    422,
                    f"this {HEADER} was already used for another request: use a new key for a new request",
                    title="Idempotency key reused",
                    errors=[{"field": f"header.{HEADER}", "message": "used for another request", "code": "idempotency_key_reused"}],
                )
            if row.status is None:  # answered without being remembered: a bug of the route, never a silent replay
                raise Problem(409, f"the request with this {HEADER} has no answer to replay", title="Not replayable")
            headers = {**(row.headers or {}), REPLAYED_HEADER: "true"}
            raise Replayed(JSONResponse(row.body, status_code=row.status, headers=headers))
        raise Problem(409, f"the {HEADER} could not be claimed: try again", title="Conflict")

    async def remember(
        self, status: int, body: BaseModel, headers: Mapping[str, str] | None = None, *, secret_fields: Iterable[str] = ()
    ) -> None:
        """Store the answer with the claim, in the command's transaction (nothing without a key)."""
        if not self.claimed:
            return
        content = body.model_dump(mode="json")
        for name in secret_fields:
            if name in content:
                content[name] = None
        kept = {name: value for name, value in (headers or {}).items() if name.lower() in KEPT_HEADERS}
        await self.session.execute(
            idempotency_keys.update()
            .where(idempotency_keys.c.subject == self.subject, idempotency_keys.c.key == self.key)
            .values(status=status, body=content, headers=kept)
        )


async def idempotency_of(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: Now,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=8,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="A new unique value (a UUID) per operation: a retry with the same key and body answers as the first request did.",
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(session, principal.subject, key, request.method, request.url.path, now)


Idempotent = Annotated[Idempotency, Depends(idempotency_of)]


async def purge(session: AsyncSession, now: datetime) -> int:
    """Delete the keys older than :data:`KEEP`; how many."""
    result = await session.execute(idempotency_keys.delete().where(idempotency_keys.c.created_at < now - KEEP))
    return int(getattr(result, "rowcount", 0) or 0)


def create_idempotency_table_v1(op: Any) -> None:
    """Migration step (frozen): create ``idempotency_keys`` as :data:`idempotency_keys` is at v1."""
    op.create_table(
        "idempotency_keys",
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("body", JSONB, nullable=True),
        sa.Column("headers", JSONB, nullable=True),
        sa.PrimaryKeyConstraint("subject", "key"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def drop_idempotency_table_v1(op: Any) -> None:
    """Undo :func:`create_idempotency_table_v1`."""
    op.drop_table("idempotency_keys")
