"""The guarantees service's decisions → the placement's guarantee step (applied once: a decision for a
placement that is no longer waiting for one changes nothing); a lease that did not activate its
guarantee → a step of the placement's timeline."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.guarantees import GuaranteeActivationRefused, GuaranteeApproved, GuaranteeRejected
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.domain.placements import PlacementStatus, Step
from abri_matching.journey import move

log = logging.getLogger(__name__)


async def _waiting(session: AsyncSession, event: ReceivedEvent[Any]) -> Placement | None:
    placement = await session.get(Placement, event.data.placement_id, with_for_update=True)
    if placement is None or placement.status != PlacementStatus.AWAITING_GUARANTEE.value:
        log.info("%s for placement %s: not waiting for a guarantee, ignored", event.envelope.type, event.data.placement_id)
        return None
    return placement


async def on_guarantee_approved(session: AsyncSession, event: ReceivedEvent[GuaranteeApproved]) -> None:
    placement = await _waiting(session, event)
    if placement is not None:
        await move(session, placement, Step.APPROVE_GUARANTEE, actor=event.data.fund_id, role="fund", at=event.data.decided_at)


async def on_guarantee_rejected(session: AsyncSession, event: ReceivedEvent[GuaranteeRejected]) -> None:
    placement = await _waiting(session, event)
    if placement is not None:
        reason = (event.data.reasons or ["rejected"])[0][:40]
        await move(
            session, placement, Step.REJECT_GUARANTEE, actor=event.data.fund_id, role="fund", at=event.data.decided_at, reason=reason
        )


async def on_activation_refused(session: AsyncSession, event: ReceivedEvent[GuaranteeActivationRefused]) -> None:
    """The signed lease did not activate the guarantee: the placement's timeline says so and why (the
    lease stands; the association and the owner decide what follows). Recorded once per event."""
    placement = await session.get(Placement, event.data.placement_id, with_for_update=True)
    if placement is None:
        return
    session.add(
        PlacementStep(
            placement_id=placement.id,
            step="guarantee_not_activated",
            from_status=placement.status,
            to_status=placement.status,
            actor=event.data.fund_id,
            actor_role="fund",
            at=event.data.refused_at,
            reason=event.data.reason[:40],
        )
    )
