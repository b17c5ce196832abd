"""The placement journey's orchestration: each step moves the placement (``domain/placements.py``),
records who, when and why, moves the household as the journey says (``domain/households.py``), and
publishes the step's events through the outbox, all in the caller's transaction. A proposal starts the
journey the same way. Nobody is penalised by an ending: it is recorded, never read to rank.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from abri_auth.principal import Principal
from abri_contracts import EventContract
from abri_contracts.matching import FallThroughReason, PlacementFellThrough
from abri_kit.errors import Conflict, Stale
from abri_kit.usecase import Context
from abri_matching.db.households import Household
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.placements import Placements
from abri_matching.domain.households import HouseholdMove, HouseholdMoveRefused, HouseholdStatus, household_after
from abri_matching.domain.placements import ACTIVE, PlacementStatus, Step, StepRefused, after, household_move

log = logging.getLogger(__name__)


def ids(placement: Placement) -> dict[str, Any]:
    """What every placement event names."""
    return {
        "placement_id": placement.id,
        "unit_id": placement.unit_id,
        "org_id": placement.org_id,
        "household_id": placement.household_id,
        "departement": placement.departement,
    }


def days_between(earlier: date | None, later: date) -> int | None:
    """Whole days from ``earlier`` to ``later`` (None without ``earlier``; never below 0): a duration events carry
    instead of a date about the household."""
    return None if earlier is None else max((later - earlier).days, 0)


def role_of(principal: Principal) -> str:
    """The role a step is recorded under."""
    return next((role for role in ("social_worker", "owner", "ops") if principal.has_role(role)), "system")


async def move(
    ctx: Context,
    placement: Placement,
    step: Step,
    *,
    actor: str,
    role: str,
    at: datetime,
    reason: str | None = None,
    events: Sequence[EventContract] = (),
    parties: Sequence[str] | None = None,
) -> PlacementStatus:
    """Apply ``step`` to ``placement`` (a new one for :attr:`Step.PROPOSE`), dated ``at``: record it, move
    the household as the journey says, and publish ``events`` (and ``fell_through`` when an accepted
    placement ends). A step the journey refuses, or a placement changed meanwhile, is a
    :class:`~abri_kit.errors.Conflict` (409)."""
    before = PlacementStatus(placement.status) if placement.status is not None else None
    try:
        status = after(before, step)
    except StepRefused as exc:
        raise Conflict(str(exc), title="Not allowed at this step") from exc
    placement.status = status.value
    Placements.for_system(ctx.uow).add_step(
        PlacementStep(
            placement_id=placement.id,
            step=step.value,
            from_status=before.value if before is not None else None,
            to_status=status.value,
            actor=actor,
            actor_role=role,
            at=at,
            reason=reason,
            parties=list(parties) if parties is not None else None,
        )
    )
    follow = household_move(before, status)
    if follow is not None:
        await _household_follows(ctx, placement, follow)
    if before in ACTIVE and status not in ACTIVE and status != PlacementStatus.LEASE_SIGNED:
        placement.ended_at = at
        placement.end_reason = reason or status.value
        if before != PlacementStatus.PROPOSED:  # the unit was reserved: listings publishes it again
            ended = PlacementFellThrough(**ids(placement), reason=fall_through_reason(status, reason), ended_at=at)
            events = [*events, ended]
    try:
        await ctx.uow.flush("the placement")
    except Stale as exc:
        raise Conflict(exc.detail, title="Changed meanwhile") from exc
    for event in events:
        await ctx.uow.publish(event, at=at)
    return status


async def _household_follows(ctx: Context, placement: Placement, follow: HouseholdMove) -> None:
    """The household follows its placement, whoever moved it (an owner's answer frees a household the owner
    may not read: the service moves it). A proposal needs a searching household (409 otherwise); a
    household that no longer follows this placement (archived, erased) stays as it is."""
    household: Household | None = await Households.for_system(ctx.uow).find(placement.household_id, for_update=True)
    if household is None:
        return
    try:
        household.status = household_after(HouseholdStatus(household.status), follow).value
    except HouseholdMoveRefused as exc:
        if follow == HouseholdMove.PROPOSE:
            raise Conflict(str(exc), title="Not searching") from exc
        log.warning("placement %s: household %s is %s, it does not %s", placement.id, household.id, household.status, follow.value)


def fall_through_reason(status: PlacementStatus, reason: str | None) -> FallThroughReason:
    """The coded reason listings and notifications see for a placement that ended after acceptance."""
    if status == PlacementStatus.GUARANTEE_REJECTED:
        return "guarantee_refused"
    if reason in ("household_withdrew", "household_housed_elsewhere"):
        return "household_withdrew"
    if reason in ("consent_withdrawn", "household_erased"):
        return reason  # type: ignore[return-value]
    return "other"
