"""The conversations' rows for the service itself: their messages in order, the next place in a conversation, a
household's conversations (its erasure), those past their retention, their deletion. The messages' texts are
sealed under each conversation's own data key (namespace ``conversation``): this module stores and reads the
sealed bytes, ``usecases/conversations.py`` seals and opens them. What a caller may see:
``db/repositories/conversations.py``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_assistant.db.models import Conversation, Message


async def messages_of(session: AsyncSession, conversation_id: uuid.UUID) -> list[Message]:
    """A conversation's messages in their order."""
    rows = await session.scalars(sa.select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq))
    return list(rows)


async def next_seq(session: AsyncSession, conversation_id: uuid.UUID) -> int:
    found = await session.scalar(sa.select(sa.func.max(Message.seq)).where(Message.conversation_id == conversation_id))
    return (found or 0) + 1


async def of_household(session: AsyncSession, household_id: uuid.UUID, subjects: Sequence[str]) -> list[uuid.UUID]:
    """The ids of the conversations of a household: started as the household, or under its account's subjects."""
    clauses = [Conversation.household_id == household_id]
    if subjects:
        clauses.append(sa.and_(Conversation.subject.in_(subjects), Conversation.role == "household"))
    return list(await session.scalars(sa.select(Conversation.id).where(sa.or_(*clauses))))


async def lapsed(session: AsyncSession, conversation_before: datetime, handed_before: datetime, batch: int) -> list[uuid.UUID]:
    """Up to ``batch`` conversations past their retention (locked, skipping those another sweeper holds)."""
    statement = (
        sa.select(Conversation.id)
        .where(
            sa.or_(
                sa.and_(Conversation.handover_requested_at.is_(None), Conversation.last_message_at < conversation_before),
                sa.and_(Conversation.handover_requested_at.is_not(None), Conversation.last_message_at < handed_before),
            )
        )
        .order_by(Conversation.last_message_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(statement))


async def delete(session: AsyncSession, ids: Sequence[uuid.UUID]) -> int:
    """Delete the conversations (their messages go with them)."""
    if not ids:
        return 0
    result = await session.execute(sa.delete(Conversation).where(Conversation.id.in_(ids)))
    return int(getattr(result, "rowcount", 0) or 0)
