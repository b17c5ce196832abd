"""Alerts on sliding leases' joint reviews: ``sliding_review_due`` some days before a review's date,
``sliding_review_overdue`` the day after it passed unheld; each once per review date, whichever replica
sweeps (the date alerted is recorded on the placement in the same transaction as the event's outbox row,
and rows another sweeper holds are skipped). A review held moves the date, so the next one is alerted anew."""

from __future__ import annotations

from datetime import timedelta

from abri_contracts.matching import SlidingReviewDue, SlidingReviewOverdue
from abri_kit.usecase import Context
from abri_matching.db.repositories.placements import Placements
from abri_matching.domain.leases import review_alert
from abri_matching.domain.placements import PlacementPolicy
from abri_matching.usecases.journey import ids


async def alert_reviews(ctx: Context, journey: PlacementPolicy, batch: int = 100) -> int:
    """Publish up to ``batch`` review alerts due on ``ctx.today`` (the day in France); returns how many."""
    notice = journey.review_due_notice_days
    placements = await Placements.for_system(ctx.uow).reviews_to_alert(ctx.today, timedelta(days=notice), batch)
    sent = 0
    for placement in placements:
        review_by = placement.next_review_by
        kind = review_alert(review_by, ctx.today, notice)
        if review_by is None or kind is None:
            continue
        if kind == "due":
            placement.review_due_alerted_for = review_by
            event: SlidingReviewDue | SlidingReviewOverdue = SlidingReviewDue(
                **ids(placement),
                owner_id=placement.owner_id,
                next_review_by=review_by,
                days_left=(review_by - ctx.today).days,
                alerted_at=ctx.now,
            )
        else:
            placement.review_overdue_alerted_for = review_by
            event = SlidingReviewOverdue(
                **ids(placement),
                owner_id=placement.owner_id,
                next_review_by=review_by,
                days_overdue=(ctx.today - review_by).days,
                alerted_at=ctx.now,
            )
        await ctx.uow.publish(event, at=ctx.now)
        sent += 1
    await ctx.uow.flush("the review alerts")
    return sent
