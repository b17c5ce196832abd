"""My in-app inbox: list (in pages, newest first), count what is unread, mark read, and a live stream
(Server-Sent Events) the web front listens to.

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

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel
from sse_starlette.sse import EventSourceResponse

from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.pagination import Page
from abri_kit.problems import Problem
from abri_notifications.db.models import InboxMessage
from abri_notifications.usecases import inbox

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


class UnreadOut(BaseModel):
    unread: int


def out(message: InboxMessage) -> InboxOut:
    return InboxOut.model_validate(message, from_attributes=True)


@router.get("", summary="My messages, newest first (in pages)")
async def list_messages(
    ctx: Ctx,
    page: PageParams,
    unread: Annotated[bool, Query(description="Only the messages not read yet")] = False,
) -> Page[InboxOut]:
    rows, next_cursor = await inbox.list_messages(ctx, page, unread_only=unread)
    return Page[InboxOut](items=[out(message) for message in rows], next_cursor=next_cursor)


@router.get("/unread", summary="How many of my messages are not read yet")
async def count_unread(ctx: Ctx) -> UnreadOut:
    return UnreadOut(unread=await inbox.count_unread(ctx))


@router.post("/{message_id}/read", summary="Mark one of my messages read")
async def mark_read(message_id: uuid.UUID, ctx: Ctx) -> InboxOut:
    return out(await inbox.mark_read(ctx, message_id))


@router.get(
    "/stream",
    summary="My new messages, live (Server-Sent Events; resume with Last-Event-ID)",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    ctx: Ctx,
    last_event_id: Annotated[str | None, Header(alias="last-event-id", max_length=20)] = None,
) -> EventSourceResponse:
    if last_event_id is not None and not last_event_id.isdigit():
        raise Problem(400, "Last-Event-ID is the number of the last message received")
    after = await inbox.follow_from(ctx, int(last_event_id) if last_event_id else None)
    settings = request.app.state.notifications_settings  # the request's transaction ends as this returns: the stream reads apart
    return EventSourceResponse(
        events(request, ctx.principal, after, settings.stream_poll_s, settings.stream_max_s),
        ping=15,
        headers={"cache-control": "no-store"},
    )


async def events(request: Request, principal: Principal, after: int, poll_s: float, max_s: float) -> AsyncIterator[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + max_s
    while asyncio.get_running_loop().time() < deadline and not await request.is_disconnected():
        for message in await inbox.arrived_after(request.app.state.sessionmaker, principal, after):
            after = message.seq
            yield {"id": str(message.seq), "event": "message", "data": out(message).model_dump_json()}
        await asyncio.sleep(poll_s)
