"""The placement journey's orchestration: each step moves the placement (``domain/placements.py``),
records who, when and why, moves the household, and publishes the step's event through the outbox,
all in the caller's transaction. Nobody is penalised by an ending: it is recorded, never read to rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from abri_bus.outbox import publish
from abri_contracts import EventContract
from abri_contracts.matching import FallThroughReason, PlacementFellThrough
from abri_matching.db.households import Household
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.domain.households import HouseholdStatus
from abri_matching.domain.placements import ACTIVE, PlacementStatus, Step, after


class Conflict(Exception):
    """Someone changed the placement meanwhile (stale version)."""


def ids(placement: Placement) -> dict[str, Any]:
    """What every placement event names."""
    return {"placement_id": placement.id, "unit_id": placement.unit_id, "org_id": placement.org_id}


async def move(
    session: AsyncSession,
    placement: Placement,
    step: Step,
    *,
    actor: str,
    role: str,
    at: datetime,
    reason: str | None = None,
    events: Sequence[EventContract] | None = None,
) -> PlacementStatus:
    """Apply ``step`` (:class:`~abri_matching.domain.placements.StepRefused` if not allowed), record it,
    free or place the household as the journey says, and publish ``events``."""
    before = PlacementStatus(placement.status)
    status = after(before, step)
    placement.status = status.value
    session.add(
        PlacementStep(
            placement_id=placement.id,
            step=step.value,
            from_status=before.value,
            to_status=status.value,
            actor=actor,
            actor_role=role,
            at=at,
            reason=reason,
        )
    )
    if before in ACTIVE and status not in ACTIVE:
        household = await session.get(Household, placement.household_id, with_for_update=True)
        if household is not None:
            household.status = (HouseholdStatus.PLACED if status == PlacementStatus.LEASE_SIGNED else HouseholdStatus.SEARCHING).value
        if status != PlacementStatus.LEASE_SIGNED:
            placement.ended_at = at
            placement.end_reason = reason or status.value
            if before != PlacementStatus.PROPOSED:  # the unit was reserved: listings publishes it again
                events = [*(events or []), PlacementFellThrough(**ids(placement), reason=fall_through_reason(status, reason), ended_at=at)]
    try:
        await session.flush()
    except StaleDataError as exc:
        raise Conflict("the placement changed meanwhile: read it again") from exc
    for event in events or []:
        await publish(session, event)
    return status


def fall_through_reason(status: PlacementStatus, reason: str | None) -> FallThroughReason:
    """The coded reason listings and notifications see for a placement that ended after acceptance."""
    if status == PlacementStatus.GUARANTEE_REJECTED:
        return "guarantee_refused"
    if reason in ("household_withdrew", "household_housed_elsewhere"):
        return "household_withdrew"
    return "other"
