"""The placement journey's steps after the proposal (``proposals.py``): the owner accepts or declines,
the association withdraws, records the signed lease, the sliding lease's joint reviews and its slide.
Each moves the placement one step through the journey (``journey.py``), dated by the request's instant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from abri_contracts import EventContract
from abri_contracts.matching import (
    GuaranteeRequested,
    LeaseSigned,
    LeaseSlid,
    PlacementAccepted,
    PlacementDeclined,
    PlacementWithdrawn,
    SlidingLeaseReviewed,
)
from abri_kit.errors import Conflict, Refused
from abri_kit.usecase import Context
from abri_matching.db.placements import Placement
from abri_matching.db.repositories.placements import Placements
from abri_matching.db.repositories.units import Units
from abri_matching.domain.placements import (
    DeclineReason,
    LeaseType,
    PlacementPolicy,
    PlacementStatus,
    ReviewOutcome,
    Step,
    WithdrawReason,
)
from abri_matching.usecases.journey import ids, move, role_of
from abri_matching.usecases.placement_views import PlacementView, view


@dataclass(frozen=True)
class Lease:
    """A signed lease, as the association records it (amounts default to the listed ones)."""

    signed_on: date
    starts_on: date
    lease_type: LeaseType
    rent_cents: int | None = None
    charges_cents: int | None = None


async def accept(ctx: Context, placement_id: uuid.UUID, *, require_guarantee: bool) -> PlacementView:
    """The owner accepts a proposal for its unit, before the deadline; a guarantee is then requested when
    the scheme or the owner asks for one."""
    placement = await _to_move(ctx, placement_id)
    if placement.status == PlacementStatus.PROPOSED.value and placement.answer_by < ctx.now:
        raise Conflict("the answer was due by then: the proposal has lapsed", title="Too late")
    await _step(ctx, placement, Step.ACCEPT, events=[PlacementAccepted(**ids(placement), accepted_at=ctx.now)])
    if require_guarantee or placement.guarantee_required:
        placement.guarantee_required = True
        await _step(ctx, placement, Step.REQUEST_GUARANTEE, events=[GuaranteeRequested(**ids(placement), requested_at=ctx.now)])
    return await view(ctx, placement)


async def decline(ctx: Context, placement_id: uuid.UUID, reason: DeclineReason) -> PlacementView:
    """The owner declines a proposal (no penalty for the household: it searches again)."""
    placement = await _to_move(ctx, placement_id)
    event = PlacementDeclined(**ids(placement), reason=reason.value, declined_at=ctx.now)
    await _step(ctx, placement, Step.DECLINE, reason=reason.value, events=[event])
    return await view(ctx, placement)


async def withdraw(ctx: Context, placement_id: uuid.UUID, reason: WithdrawReason) -> PlacementView:
    """The association withdraws a placement before the lease (after acceptance, it falls through)."""
    placement = await _to_move(ctx, placement_id)
    events: list[EventContract] = []
    if placement.status == PlacementStatus.PROPOSED.value:
        events.append(PlacementWithdrawn(**ids(placement), reason=reason.value, withdrawn_at=ctx.now))
    await _step(ctx, placement, Step.WITHDRAW, reason=reason.value, events=events)
    return await view(ctx, placement)


async def sign_lease(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, lease: Lease) -> PlacementView:
    """The association records the signed lease (signed today in France at the latest); a sliding lease
    gets its first joint review date."""
    placement = await _to_move(ctx, placement_id)
    if lease.starts_on < lease.signed_on:
        raise Refused("the lease starts before it is signed", errors=[{"field": "body.starts_on", "message": "before signed_on"}])
    if lease.signed_on > ctx.today:
        raise Refused("a lease is recorded once signed", errors=[{"field": "body.signed_on", "message": "in the future"}])
    placement.lease_type, placement.lease_signed_on, placement.lease_starts_on = lease.lease_type, lease.signed_on, lease.starts_on
    if lease.lease_type == "sliding":
        placement.next_review_by = lease.signed_on + journey.sliding_review_every
    listed = await Units.of(ctx).find(placement.unit_id)
    event = LeaseSigned(
        **ids(placement),
        signed_at=ctx.now,
        lease_starts_on=lease.starts_on,
        lease_type=lease.lease_type,
        signed_on=lease.signed_on,
        rent_cents=lease.rent_cents if lease.rent_cents is not None else (listed.rent_cents if listed else None),
        charges_cents=lease.charges_cents if lease.charges_cents is not None else (listed.charges_cents if listed else None),
    )
    await _step(ctx, placement, Step.SIGN_LEASE, events=[event])
    return await view(ctx, placement)


async def review(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, outcome: ReviewOutcome) -> PlacementView:
    """A joint review of a sliding lease: the household is ready to slide, or the next review is due."""
    placement = await _to_move(ctx, placement_id)
    if placement.lease_type != "sliding":
        raise Conflict("only a sliding lease has joint reviews", title="Not a sliding lease")
    placement.ready_to_slide = outcome == "ready_to_slide"
    placement.next_review_by = None if placement.ready_to_slide else ctx.today + journey.sliding_review_every
    event = SlidingLeaseReviewed(
        **ids(placement),
        reviewed_at=ctx.now,
        outcome=outcome,
        next_review_by=placement.next_review_by,
    )
    await _step(ctx, placement, Step.REVIEW, reason=outcome, events=[event])
    return await view(ctx, placement)


async def slide(ctx: Context, placement_id: uuid.UUID) -> PlacementView:
    """The sliding lease slides to the household, after a joint review found it ready."""
    placement = await _to_move(ctx, placement_id)
    if placement.lease_type != "sliding" or not placement.ready_to_slide:
        raise Conflict("a sliding lease slides after a joint review found the household ready", title="Not ready to slide")
    await _step(ctx, placement, Step.SLIDE, events=[LeaseSlid(**ids(placement), slid_at=ctx.now)])
    return await view(ctx, placement)


async def _to_move(ctx: Context, placement_id: uuid.UUID) -> Placement:
    return await Placements.of(ctx).get(placement_id, for_update=True)


async def _step(ctx: Context, placement: Placement, step: Step, *, reason: str | None = None, events: Sequence[EventContract] = ()) -> None:
    await move(ctx, placement, step, actor=ctx.principal.subject, role=role_of(ctx.principal), at=ctx.now, reason=reason, events=events)
