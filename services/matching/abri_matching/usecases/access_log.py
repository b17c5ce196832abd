"""The access log's upkeep: prune the entries past their retention at the start of the chain (anchored
first), anchor the chain's head, and publish both outside the database (``abri.matching.audit``)."""

from __future__ import annotations

from datetime import timedelta

from abri_contracts.audit import MatchingAccessLogAnchored
from abri_kit.access_log import anchored_fields
from abri_kit.usecase import Context
from abri_matching.db.access_log import ACCESS_LOG_TABLE
from abri_matching.db.repositories.access_log import AccessLogAnchors

CHAIN = f"matching.{ACCESS_LOG_TABLE}"


async def keep_up(ctx: Context, retention_days: int) -> int:
    """Prune what is older than ``retention_days``, anchor the head, publish both; how many anchors were published."""
    found = await AccessLogAnchors.for_system(ctx.uow).keep_up(before=ctx.now - timedelta(days=retention_days), now=ctx.now)
    for anchor in found:
        await ctx.uow.publish(MatchingAccessLogAnchored(**anchored_fields(anchor, chain=CHAIN, now=ctx.now)), at=ctx.now)
    return len(found)
