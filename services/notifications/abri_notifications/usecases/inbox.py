"""A person's in-app inbox: read it in pages, count what is unread, mark a message read, follow it live.

Reading one's inbox enrols the caller in the directory (``db/repositories/people.py``), so that the next event about
them reaches them on the channels they choose. Another person's message is 404.

A message is stored rendered in the reader's notification language, with the values it was rendered from;
:func:`shown` renders it again in the language the reader's page asks for (issue 20: a French page shows
French messages), and shows it as stored when it cannot (a message stored before its values were kept).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_auth.principal import Principal
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_notifications.db.deliveries import InboxMessage
from abri_notifications.db.repositories.inbox import InboxMessages
from abri_notifications.db.repositories.people import People
from abri_notifications.domain import params
from abri_notifications.domain.templates import Channel, TemplateError, language_of, render
from abri_notifications.usecases.telling import HOME_KEY


@dataclass(frozen=True)
class Shown:
    """A message as the reader's page shows it: in its language when asked, else as stored."""

    language: str
    direction: str
    subject: str
    text: str


def shown(message: InboxMessage, language: str | None) -> Shown:
    """The message in ``language`` (a language tag; ``None``: as stored)."""
    stored = Shown(message.language, message.direction, message.subject, message.text)
    if language is None or language_of(language) == message.language or not message.params:
        return stored
    values = params.decode(message.params)
    home = values.pop(HOME_KEY, None)
    try:
        rendered = render(message.template, language, values, Channel.INBOX, home=home)
    except TemplateError:
        return stored
    return Shown(rendered.language, rendered.direction, rendered.subject, rendered.text)


async def list_messages(ctx: Context, page: PageRequest, *, unread_only: bool) -> tuple[list[InboxMessage], str | None]:
    """One page of the caller's messages (``unread_only``: not read yet), newest first."""
    await People.of(ctx).enrol(ctx.now)
    return await InboxMessages.of(ctx).page_newest_first(page, unread_only=unread_only)


async def count_unread(ctx: Context) -> int:
    """How many of the caller's messages are not read yet."""
    await People.of(ctx).enrol(ctx.now)
    return await InboxMessages.of(ctx).unread_count()


async def mark_read(ctx: Context, message_id: uuid.UUID) -> InboxMessage:
    """One of the caller's messages, read now (or when it was first read)."""
    message = await InboxMessages.of(ctx).get(message_id, for_update=True)
    message.read_at = message.read_at or ctx.now
    return message


async def follow_from(ctx: Context, last_seen: int | None) -> int:
    """Where the caller's live stream starts: after ``last_seen`` (the last message they received, when
    they reconnect), else after their newest message (only what arrives from now on)."""
    await People.of(ctx).enrol(ctx.now)
    return last_seen if last_seen is not None else await InboxMessages.of(ctx).latest_seq()


async def arrived_after(sessions: async_sessionmaker[AsyncSession], principal: Principal, seq: int) -> list[InboxMessage]:
    """The caller's messages that arrived after number ``seq``, in order: read in a short transaction of
    its own (a live stream lasts minutes, and holds no connection between its polls)."""
    async with sessions() as session:
        return await InboxMessages(session, principal).arrived_after(seq)
