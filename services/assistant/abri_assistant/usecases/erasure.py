"""A household's erasure (matching's ``HouseholdErased``): its conversations (their keys shredded, the ledger
first, then their rows) and the read model's rows about it; then the receipt, saying nothing was kept."""

from __future__ import annotations

import uuid

from abri_assistant.db import conversations, files
from abri_assistant.usecases.conversations import erase
from abri_contracts.erasure import AssistantErasureCompleted
from abri_contracts.households import Requester
from abri_kit.usecase import Context


async def erase_household(
    ctx: Context, household_id: uuid.UUID, account_subjects: list[str], request_id: uuid.UUID, requested_by: Requester
) -> int:
    """Erase what the assistant holds about the household; how many conversations went. Repeated, it erases
    what is left (nothing) and sends the receipt again."""
    found = await conversations.of_household(ctx.uow.session, household_id, account_subjects)
    erased = await erase(ctx, found, requested_by, request_id)
    await files.forget_household(ctx, household_id)
    await ctx.uow.publish(
        AssistantErasureCompleted(request_id=request_id, household_id=household_id, erased_in="assistant", completed_at=ctx.now, kept=[]),
        at=ctx.now,
    )
    return erased
