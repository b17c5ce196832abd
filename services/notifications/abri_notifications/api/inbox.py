"""My in-app inbox: list, mark read, and a live stream (Server-Sent Events) the web front listens to.

The stream sends each new message as an event whose id is its arrival order; a client that reconnects
with ``Last-Event-ID`` gets what it missed. It polls the database (every ``stream_poll_s``) rather than
holding a connection per listener, and ends after ``stream_max_s`` (clients reconnect), so that no
listener holds a server forever.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel
from sse_starlette.sse import EventSourceResponse

from abri_auth.dependencies import CurrentPrincipal
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.problems import Problem
from abri_notifications.db.deliveries import InboxMessage
from abri_notifications.directory import enrol

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


class InboxOut(BaseModel):
    id: uuid.UUID
    seq: int
    event_type: str
    template: str
    language: str
    direction: str
    subject: str
    text: str
    created_at: datetime
    read_at: datetime | None


def out(message: InboxMessage) -> InboxOut:
    return InboxOut.model_validate(message, from_attributes=True)


@router.get("", summary="My messages, newest first")
async def list_messages(
    principal: CurrentPrincipal,
    session: SessionDep,
    unread: Annotated[bool, Query(description="Only the messages not read yet")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[InboxOut]:
    await enrol(session, principal)
    statement = sa.select(InboxMessage).where(InboxMessage.recipient == principal.subject)
    if unread:
        statement = statement.where(InboxMessage.read_at.is_(None))
    rows = await session.execute(statement.order_by(InboxMessage.seq.desc()).limit(limit))
    return [out(message) for message in rows.scalars()]


@router.post("/{message_id}/read", summary="Mark one of my messages read")
async def mark_read(message_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, now: Now) -> InboxOut:
    message = await session.get(InboxMessage, message_id, with_for_update=True)
    if message is None or message.recipient != principal.subject:
        raise Problem(404, f"message {message_id} not found")
    message.read_at = message.read_at or now
    return out(message)


@router.get(
    "/stream",
    summary="My new messages, live (Server-Sent Events; resume with Last-Event-ID)",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    last_event_id: Annotated[str | None, Header(alias="last-event-id", max_length=20)] = None,
) -> EventSourceResponse:
    await enrol(session, principal)
    if last_event_id is not None and not last_event_id.isdigit():
        raise Problem(400, "Last-Event-ID is the number of the last message received")
    after = int(last_event_id) if last_event_id else await latest(session, principal.subject)
    await session.commit()  # the stream reads with its own short sessions: release this one now
    settings = request.app.state.notifications_settings
    return EventSourceResponse(
        events(request, principal.subject, after, settings.stream_poll_s, settings.stream_max_s),
        ping=15,
        headers={"cache-control": "no-store"},
    )


async def latest(session: SessionDep, subject: str) -> int:
    newest = sa.select(sa.func.coalesce(sa.func.max(InboxMessage.seq), 0)).where(InboxMessage.recipient == subject)
    return int(await session.scalar(newest) or 0)


async def events(request: Request, subject: str, after: int, poll_s: float, max_s: float) -> AsyncIterator[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + max_s
    sessionmaker = request.app.state.sessionmaker
    while asyncio.get_running_loop().time() < deadline and not await request.is_disconnected():
        async with sessionmaker() as session:
            newer = sa.select(InboxMessage).where(InboxMessage.recipient == subject, InboxMessage.seq > after)
            rows = await session.execute(newer.order_by(InboxMessage.seq).limit(100))
            messages = list(rows.scalars())
        for message in messages:
            after = message.seq
            yield {"id": str(message.seq), "event": "message", "data": out(message).model_dump_json()}
        await asyncio.sleep(poll_s)
