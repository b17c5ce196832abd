"""Proposals the owner did not answer in time lapse: the unit and the household are free again."""

from __future__ import annotations

from abri_contracts.matching import PlacementExpired
from abri_kit.usecase import Context
from abri_matching.db.repositories.placements import Placements
from abri_matching.domain.placements import Step
from abri_matching.usecases.journey import ids, move

SWEEPER = "abri-matching"


async def expire_overdue(ctx: Context, batch: int = 100) -> int:
    """Expire up to ``batch`` proposals due before ``ctx.now`` (the service acting on its schedule);
    returns how many. Rows another sweeper holds are skipped."""
    placements = await Placements.for_system(ctx.uow).overdue(ctx.now, batch)
    for placement in placements:
        event = PlacementExpired(**ids(placement), expired_at=ctx.now)
        await move(ctx, placement, Step.EXPIRE, actor=SWEEPER, role="system", at=ctx.now, reason="no_answer_in_time", events=[event])
    return len(placements)
