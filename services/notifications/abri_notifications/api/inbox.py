"""My in-app inbox: list (in pages, newest first), count what is unread, mark read, and a live stream
(Server-Sent Events) the web front listens to.

The stream sends each new message as an event whose id is its arrival order; a client that reconnects
with ``Last-Event-ID`` gets what it missed. Every message is shown in the language asked (``?lang=``, else
the first of ``Accept-Language``), rendered again from the values it was rendered from; without either, in
the language it was stored in (the reader's notification language). It polls the database (every ``stream_poll_s``) rather than
holding a connection per listener, and ends after ``stream_max_s`` (clients reconnect), so that no
listener holds a server forever.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel
from sse_starlette.sse import EventSourceResponse

from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.pagination import Page, scope_of
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
    link: str | None = None
    """The web front's page where the reader acts on it (a path)."""
    created_at: datetime
    read_at: datetime | None


class UnreadOut(BaseModel):
    unread: int


Lang = Annotated[str | None, Query(max_length=35, pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8})*$", description="Show in this language")]
AcceptLanguage = Annotated[str | None, Header(alias="accept-language", max_length=500)]


def asked_language(lang: str | None, accept_language: str | None) -> str | None:
    """The language asked: ``?lang=``, else the first tag of ``Accept-Language``; ``None``: as stored."""
    if lang:
        return lang
    first = (accept_language or "").split(",")[0].split(";")[0].strip()
    return first if first and first != "*" else None


def out(message: InboxMessage, language: str | None = None) -> InboxOut:
    seen = inbox.shown(message, language)
    return InboxOut(
        id=message.id,
        seq=message.seq,
        event_type=message.event_type,
        template=message.template,
        language=seen.language,
        direction=seen.direction,
        subject=seen.subject,
        text=seen.text,
        link=message.link,
        created_at=message.created_at,
        read_at=message.read_at,
    )


@router.get("", summary="My messages, newest first (in pages)")
async def list_messages(
    request: Request,
    ctx: Ctx,
    page: PageParams,
    unread: Annotated[bool, Query(description="Only the messages not read yet")] = False,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
) -> Page[InboxOut]:
    shown_in = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "cursor", "lang")]
    page = replace(page, scope=scope_of(request.url.path, filters=sorted(shown_in)))  # the language is no filter: pages go on in another
    rows, next_cursor = await inbox.list_messages(ctx, page, unread_only=unread)
    language = asked_language(lang, accept_language)
    return Page[InboxOut](items=[out(message, language) for message in rows], next_cursor=next_cursor)


@router.get("/unread", summary="How many of my messages are not read yet")
async def count_unread(ctx: Ctx) -> UnreadOut:
    return UnreadOut(unread=await inbox.count_unread(ctx))


@router.post("/{message_id}/read", summary="Mark one of my messages read")
async def mark_read(message_id: uuid.UUID, ctx: Ctx, lang: Lang = None, accept_language: AcceptLanguage = None) -> InboxOut:
    return out(await inbox.mark_read(ctx, message_id), asked_language(lang, accept_language))


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
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
) -> EventSourceResponse:
    if last_event_id is not None and not last_event_id.isdigit():
        raise Problem(400, "Last-Event-ID is the number of the last message received")
    after = await inbox.follow_from(ctx, int(last_event_id) if last_event_id else None)
    settings = request.app.state.notifications_settings  # the request's transaction ends as this returns: the stream reads apart
    return EventSourceResponse(
        events(request, ctx.principal, after, settings.stream_poll_s, settings.stream_max_s, asked_language(lang, accept_language)),
        ping=15,
        headers={"cache-control": "no-store"},
    )


async def events(
    request: Request, principal: Principal, after: int, poll_s: float, max_s: float, language: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + max_s
    while asyncio.get_running_loop().time() < deadline and not await request.is_disconnected():
        for message in await inbox.arrived_after(request.app.state.sessionmaker, principal, after):
            after = message.seq
            yield {"id": str(message.seq), "event": "message", "data": out(message, language).model_dump_json()}
        await asyncio.sleep(poll_s)
