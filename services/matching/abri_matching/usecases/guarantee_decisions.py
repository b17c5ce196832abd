"""The guarantees service's decisions move the placement's guarantee step (once: a decision for a
placement no longer waiting for one changes nothing); a lease that did not activate its guarantee adds
a step to the placement's timeline. Each is dated by the decision's own time, whenever it is processed."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from abri_kit.usecase import Context
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.db.repositories.placements import Placements
from abri_matching.domain.placements import PlacementStatus, Step
from abri_matching.usecases.journey import move

log = logging.getLogger(__name__)
REASON_LENGTH = 40


async def _waiting(ctx: Context, placement_id: uuid.UUID, decision: str) -> Placement | None:
    placement = await Placements.for_system(ctx.uow).find(placement_id, for_update=True)
    if placement is None or placement.status != PlacementStatus.AWAITING_GUARANTEE.value:
        log.info("%s for placement %s: not waiting for a guarantee, ignored", decision, placement_id)
        return None
    return placement


async def guarantee_approved(ctx: Context, placement_id: uuid.UUID, fund_id: str, decided_at: datetime) -> None:
    placement = await _waiting(ctx, placement_id, "guarantee approved")
    if placement is not None:
        await move(ctx, placement, Step.APPROVE_GUARANTEE, actor=fund_id, role="fund", at=decided_at)


async def guarantee_rejected(ctx: Context, placement_id: uuid.UUID, fund_id: str, decided_at: datetime, reasons: list[str]) -> None:
    placement = await _waiting(ctx, placement_id, "guarantee rejected")
    if placement is not None:
        reason = (reasons or ["rejected"])[0][:REASON_LENGTH]
        await move(ctx, placement, Step.REJECT_GUARANTEE, actor=fund_id, role="fund", at=decided_at, reason=reason)


async def guarantee_not_activated(ctx: Context, placement_id: uuid.UUID, fund_id: str, refused_at: datetime, reason: str) -> None:
    """The signed lease did not activate the guarantee: the placement's timeline says so and why (the
    lease stands; the association and the owner decide what follows). Recorded once per event."""
    placements = Placements.for_system(ctx.uow)
    placement = await placements.find(placement_id, for_update=True)
    if placement is None:
        return
    placements.add_step(
        PlacementStep(
            placement_id=placement.id,
            step="guarantee_not_activated",
            from_status=placement.status,
            to_status=placement.status,
            actor=fund_id,
            actor_role="fund",
            at=refused_at,
            reason=reason[:REASON_LENGTH],
        )
    )
