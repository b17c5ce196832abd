"""The access log's upkeep: prune the entries past their retention at the start of the chain (anchored
first), anchor the chain's head, and publish both outside the database (``abri.matching.audit``)."""

from __future__ import annotations

from datetime import timedelta

from abri_contracts.audit import MatchingAccessLogAnchored
from abri_kit.access_log import Anchor
from abri_kit.usecase import Context
from abri_matching.db.access_log import ACCESS_LOG_TABLE
from abri_matching.db.repositories.access_log import AccessLogAnchors

CHAIN = f"matching.{ACCESS_LOG_TABLE}"


def anchored(anchor: Anchor, ctx: Context) -> MatchingAccessLogAnchored:
    return MatchingAccessLogAnchored(
        chain=CHAIN,
        kind="prune" if anchor.kind == "prune" else "head",
        head_position=anchor.position,
        head_seq=anchor.seq,
        head_mac=anchor.mac,
        head_at=anchor.at,
        key_id=anchor.key_id,
        anchored_at=ctx.now,
    )


async def keep_up(ctx: Context, retention_days: int) -> int:
    """Prune what is older than ``retention_days``, anchor the head; how many anchors were published."""
    anchors = AccessLogAnchors.for_system(ctx.uow)
    published = 0
    for found in (await anchors.prune(before=ctx.now - timedelta(days=retention_days), now=ctx.now), await anchors.anchor_head(ctx.now)):
        if found is not None:
            await ctx.uow.publish(anchored(found, ctx), at=ctx.now)
            published += 1
    return published
