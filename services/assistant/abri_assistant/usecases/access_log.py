"""The access log: who other than a person read their conversations (a social worker, after a hand-over), for
the person; and the log's upkeep: prune what is past its retention at the chain's start (anchored first),
anchor the head, publish both (``abri.assistant.audit``)."""

from __future__ import annotations

from datetime import timedelta

from abri_assistant.db.access_log import ACCESS_LOG_TABLE, PersonAccessLogEntry
from abri_assistant.db.repositories.access_log import PersonAccessLog, PersonAccessLogAnchors
from abri_contracts.audit import AssistantAccessLogAnchored
from abri_kit.access_log import anchored_fields
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context

CHAIN = f"assistant.{ACCESS_LOG_TABLE}"


async def keep_up(ctx: Context, retention_days: int) -> int:
    """Prune what is older than ``retention_days``, anchor the head, publish both; how many anchors were published."""
    found = await PersonAccessLogAnchors.for_system(ctx.uow).keep_up(before=ctx.now - timedelta(days=retention_days), now=ctx.now)
    for anchor in found:
        await ctx.uow.publish(AssistantAccessLogAnchored(**anchored_fields(anchor, chain=CHAIN, now=ctx.now)), at=ctx.now)
    return len(found)


async def my_access_log(ctx: Context, page: PageRequest) -> tuple[list[PersonAccessLogEntry], str | None]:
    """One page of who other than the caller read the caller's conversations, when and why."""
    return await PersonAccessLog.of(ctx).page_of(ctx.principal.subject, page)
