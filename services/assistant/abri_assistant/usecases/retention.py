"""The conversations past their retention (``domain/retention.py``): their keys shredded, then their rows."""

from __future__ import annotations

from abri_assistant.db import conversations
from abri_assistant.domain.retention import RetentionPolicy
from abri_assistant.usecases.conversations import erase
from abri_kit.usecase import Context


async def delete_lapsed(ctx: Context, policy: RetentionPolicy, batch: int) -> int:
    """Up to ``batch`` lapsed conversations deleted; how many."""
    lapsed = await conversations.lapsed(
        ctx.uow.session,
        conversation_before=policy.conversations_before(ctx.now),
        handed_before=policy.handed_before(ctx.now),
        batch=batch,
    )
    return await erase(ctx, lapsed, "retention")
