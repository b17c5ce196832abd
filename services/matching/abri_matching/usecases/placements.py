"""The placement journey's steps after the proposal (``proposals.py``): the owner accepts or declines,
the association withdraws, records the signed lease, the sliding lease's joint reviews and its slide.
Each moves the placement one step through the journey (``journey.py``), dated by the request's instant; the
rules about the home (its ban, its DPE, the lease's dates, the reviews' and the slide's days) are judged on
the day where it stands (``unit_view.home_day``: an overseas home's own day)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from abri_contracts import EventContract
from abri_contracts.matching import (
    GuaranteeRequested,
    LeaseEnded,
    LeaseSigned,
    LeaseSlid,
    PlacementAccepted,
    PlacementDeclined,
    PlacementWithdrawn,
    SlideAgreed,
    SlidingLeaseReviewed,
)
from abri_kit.errors import Conflict, Refused
from abri_kit.usecase import Context
from abri_matching.db.placements import Placement
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.placements import Placements
from abri_matching.db.repositories.units import Units
from abri_matching.domain.leases import (
    SIGNED_BEFORE_BAN,
    TENANT_FORMS,
    LeaseFacts,
    RenewalFacts,
    SlideFacts,
    lease_end_refusals,
    lease_refusals,
    next_review_by,
    refusal,
    renewal_refusals,
    review_refusals,
    slide_refusals,
    term_ends_on,
)
from abri_matching.domain.placements import (
    DeclineReason,
    LeaseEndReason,
    LeaseType,
    PlacementPolicy,
    PlacementStatus,
    RenewalKind,
    ReviewOutcome,
    ReviewParty,
    Step,
    StepRefused,
    WithdrawReason,
    after,
)
from abri_matching.usecases.journey import days_between, ids, move, role_of
from abri_matching.usecases.placement_views import PlacementView, view
from abri_matching.usecases.unit_view import home_day


@dataclass(frozen=True)
class Lease:
    """A signed lease, as the association records it (amounts default to the listed ones). ``under_mandate``:
    a direct lease managed by an approved intermediary under a management mandate; ``ends_on``: the end of a
    sub-let; ``head_lease_ends_on``: the end of the owner's lease to the association (sub-let, sliding)."""

    signed_on: date
    starts_on: date
    lease_type: LeaseType
    rent_cents: int | None = None
    charges_cents: int | None = None
    under_mandate: bool = False
    ends_on: date | None = None
    head_lease_ends_on: date | None = None
    services: tuple[str, ...] = ()
    """A cohabitation contract's small services, as the parties agreed them."""


async def accept(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, *, require_guarantee: bool) -> PlacementView:
    """The owner accepts a proposal for its unit, before the deadline; a guarantee is then requested when
    the scheme or the owner asks for one."""
    placement = await _to_move(ctx, placement_id)
    if placement.status == PlacementStatus.PROPOSED.value and placement.answer_by < ctx.now:
        raise Conflict("the answer was due by then: the proposal has lapsed", title="Too late")
    await _step(ctx, placement, Step.ACCEPT, events=[PlacementAccepted(**ids(placement), accepted_at=ctx.now)])
    if require_guarantee or placement.guarantee_required:
        placement.guarantee_required = True
        await _step(ctx, placement, Step.REQUEST_GUARANTEE, events=[GuaranteeRequested(**ids(placement), requested_at=ctx.now)])
    return await view(ctx, journey, placement)


async def decline(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, reason: DeclineReason) -> PlacementView:
    """The owner declines a proposal (no penalty for the household: it searches again)."""
    placement = await _to_move(ctx, placement_id)
    event = PlacementDeclined(**ids(placement), reason=reason.value, declined_at=ctx.now)
    await _step(ctx, placement, Step.DECLINE, reason=reason.value, events=[event])
    return await view(ctx, journey, placement)


async def withdraw(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, reason: WithdrawReason) -> PlacementView:
    """The association withdraws a placement before the lease (after acceptance, it falls through)."""
    placement = await _to_move(ctx, placement_id)
    events: list[EventContract] = []
    if placement.status == PlacementStatus.PROPOSED.value:
        events.append(PlacementWithdrawn(**ids(placement), reason=reason.value, withdrawn_at=ctx.now))
    await _step(ctx, placement, Step.WITHDRAW, reason=reason.value, events=events)
    return await view(ctx, journey, placement)


async def sign_lease(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, lease: Lease) -> PlacementView:
    """The association records the signed lease: 422 naming every rule it breaks (``domain/leases.py``: the
    scheme's lease forms, signed after the acceptance and the guarantee's approval and within the policy's
    grace before the recording day, not in the unit's energy ban nor past its DPE, a sub-let within its head
    lease), and nothing changes. A lease signed before a ban in force by the recording day is recorded with
    the reason ``signed_before_ban_recorded_after`` on its step. A sliding lease gets its first joint review date,
    never after its head lease's end."""
    placement = await _to_move(ctx, placement_id)
    _allowed(placement, Step.SIGN_LEASE)
    listed = await Units.of(ctx).find(placement.unit_id)
    times = await Placements.for_system(ctx.uow).step_times(placement.id, (Step.ACCEPT.value, Step.APPROVE_GUARANTEE.value))
    accepted, approved = times.get(Step.ACCEPT.value), times.get(Step.APPROVE_GUARANTEE.value)
    household = await Households.for_system(ctx.uow).get(placement.household_id)
    facts = LeaseFacts(
        scheme=placement.scheme,
        lease_type=lease.lease_type,
        under_mandate=lease.under_mandate,
        signed_on=lease.signed_on,
        starts_on=lease.starts_on,
        ends_on=lease.ends_on,
        head_lease_ends_on=lease.head_lease_ends_on,
        today=home_day(listed, ctx.now),
        accepted_on=home_day(listed, accepted) if accepted is not None else None,
        guarantee_required=placement.guarantee_required,
        guarantee_decided_on=home_day(listed, approved) if approved is not None else None,
        letting_banned_from=listed.letting_banned_from if listed is not None else None,
        dpe_valid_until=listed.dpe_valid_until if listed is not None else None,
        energy_class=listed.energy_class if listed is not None else None,
        energy_known=listed is None or listed.letting_ban_known,
        recording_grace_days=journey.lease_recording_grace_days,
        persons=household.adults + household.children,
        cohabitation_until=household.cohabitation_until,
    )
    refused = lease_refusals(facts, journey.schemes)
    if listed is not None and placement.scheme not in listed.schemes:  # the owner changed the unit's schemes since the proposal
        refused.append(
            refusal(
                "scheme_no_longer_offered",
                f"the unit is no longer offered under {placement.scheme}: the proposal's scheme cannot be signed",
                fields=["lease_type"],
                scheme=placement.scheme,
            )
        )
    if lease.services and lease.lease_type != "cohabitation":
        refused.append(
            refusal("services_outside_cohabitation", "small services belong to a cohabitation contract only", fields=["services"])
        )
    if refused:
        raise Refused(f"{len(refused)} rule(s) refuse this lease; nothing was changed", title="Lease refused", errors=refused)
    placement.lease_type, placement.lease_signed_on, placement.lease_starts_on = lease.lease_type, lease.signed_on, lease.starts_on
    placement.lease_under_mandate, placement.lease_ends_on, placement.head_lease_ends_on = (
        lease.under_mandate,
        lease.ends_on,
        lease.head_lease_ends_on,
    )
    rent_cents = lease.rent_cents if lease.rent_cents is not None else (listed.rent_cents if listed else None)
    charges_cents = lease.charges_cents if lease.charges_cents is not None else (listed.charges_cents if listed else None)
    placement.agreement_services = list(lease.services) if lease.lease_type == "cohabitation" else None
    placement.agreement_monthly_cents = (rent_cents or 0) + (charges_cents or 0) if lease.lease_type == "cohabitation" else None
    if lease.lease_type == "cohabitation":  # the duration the host and the young person agreed (CCH art. L631-17)
        placement.lease_term_ends_on = lease.ends_on
    elif lease.lease_type in TENANT_FORMS:
        placement.lease_term_ends_on = lease.head_lease_ends_on
    else:
        placement.lease_term_ends_on = term_ends_on(lease.starts_on, journey.term_months(listed.furnished if listed is not None else None))
    if lease.lease_type == "sliding":  # reviews count from the occupancy
        placement.next_review_by = next_review_by(facts.delivered_on, journey.sliding_review_every, lease.head_lease_ends_on)
    event = LeaseSigned(
        **ids(placement),
        signed_at=ctx.now,
        lease_starts_on=lease.starts_on,
        lease_type=lease.lease_type,
        signed_on=lease.signed_on,
        rent_cents=rent_cents,
        charges_cents=charges_cents,
        head_lease_ends_on=lease.head_lease_ends_on,
        days_since_registration=days_between(household.registered_since, ctx.today),
    )
    await _step(ctx, placement, Step.SIGN_LEASE, reason=SIGNED_BEFORE_BAN if facts.signed_before_ban_in_force else None, events=[event])
    return await view(ctx, journey, placement)


async def review(
    ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, outcome: ReviewOutcome, parties: Sequence[ReviewParty]
) -> PlacementView:
    """A joint review of a sliding lease by the association, the household and the owner (422 if one of
    the policy's parties is missing): the household is ready to slide, or the next review is due. A review
    resets the owner's agreement to an earlier slide."""
    placement = await _to_move(ctx, placement_id)
    _still_running(placement)
    if placement.lease_type != "sliding":
        raise Conflict("only a sliding lease has joint reviews", title="Not a sliding lease")
    refused = review_refusals(parties, journey.review_parties)
    if refused:
        raise Refused("a sliding lease's review is joint; nothing was changed", title="Not a joint review", errors=refused)
    placement.ready_to_slide = outcome == "ready_to_slide"
    placement.slide_agreed_at = None
    today = home_day(await Units.of(ctx).find(placement.unit_id), ctx.now)
    placement.next_review_by = (
        None if placement.ready_to_slide else next_review_by(today, journey.sliding_review_every, placement.head_lease_ends_on)
    )
    held = sorted(set(parties))
    event = SlidingLeaseReviewed(
        **ids(placement),
        reviewed_at=ctx.now,
        outcome=outcome,
        next_review_by=placement.next_review_by,
        parties=held,
    )
    await _step(ctx, placement, Step.REVIEW, reason=outcome, events=[event], parties=held)
    return await view(ctx, journey, placement)


async def agree_slide(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID) -> PlacementView:
    """The owner agrees that its unit's sliding lease slides to the household, once a joint review found the
    household ready (409 before); the association then records the slide."""
    placement = await _to_move(ctx, placement_id)
    _still_running(placement)
    if placement.lease_type != "sliding" or not placement.ready_to_slide:
        raise Conflict("the owner agrees to a slide once a joint review found the household ready", title="Not ready to slide")
    placement.slide_agreed_at = ctx.now
    event = SlideAgreed(**ids(placement), owner_id=placement.owner_id, agreed_at=ctx.now)
    await _step(ctx, placement, Step.AGREE_SLIDE, events=[event])
    return await view(ctx, journey, placement)


async def slide(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID) -> PlacementView:
    """The sliding lease slides to the household: 422 naming every rule it breaks (a review found it ready,
    the policy's minimum period of occupancy, the owner's agreement, the head lease still running)."""
    placement = await _to_move(ctx, placement_id)
    _still_running(placement)
    if placement.lease_type != "sliding" or placement.lease_signed_on is None:
        raise Conflict("only a sliding lease slides", title="Not a sliding lease")
    facts = SlideFacts(
        today=home_day(await Units.of(ctx).find(placement.unit_id), ctx.now),
        signed_on=placement.lease_signed_on,
        ready_to_slide=placement.ready_to_slide,
        owner_agreed=placement.slide_agreed_at is not None,
        head_lease_ends_on=placement.head_lease_ends_on,
        earliest_slide_on=max(placement.lease_signed_on, placement.lease_starts_on or placement.lease_signed_on) + journey.min_before_slide,
    )
    refused = slide_refusals(facts)
    if refused:
        raise Refused(f"{len(refused)} rule(s) refuse this slide; nothing was changed", title="Slide refused", errors=refused)
    household = await Households.for_system(ctx.uow).get(placement.household_id)
    slid = LeaseSlid(
        **ids(placement),
        slid_at=ctx.now,
        days_since_registration=days_between(household.registered_since, ctx.today),
        days_since_lease=days_between(placement.lease_signed_on, ctx.today),
    )
    await _step(ctx, placement, Step.SLIDE, events=[slid])
    return await view(ctx, journey, placement)


async def renew(ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, renews_on: date, kind: RenewalKind) -> PlacementView:
    """The association records that the owner's lease (the direct lease, or the head lease of a sub-let or a
    sliding lease) was renewed or tacitly continued from ``renews_on``, the day after its term's last day: 422
    naming every rule it breaks (``domain/leases.py``: at the term's end, not in the future, not from the unit's
    letting ban nor past its DPE, each on the day where the home stands), and nothing changes. The new term runs
    for the policy's term (``lease_term_months``); a head lease's end moves with it."""
    placement = await _to_move(ctx, placement_id)
    _still_running(placement)
    _allowed(placement, Step.RENEW)
    if placement.lease_term_ends_on is None:
        raise Conflict("this lease's term is not known: it cannot be renewed", title="No term recorded")
    if placement.lease_type == "cohabitation":
        raise Conflict(
            "an intergenerational cohabitation contract ends on the day agreed (a month's notice either way): its parties agree a new one",
            title="Not a lease",
        )
    listed = await Units.of(ctx).find(placement.unit_id)
    facts = RenewalFacts(
        renews_on=renews_on,
        today=home_day(listed, ctx.now),
        term_ends_on=placement.lease_term_ends_on,
        letting_banned_from=listed.letting_banned_from if listed is not None else None,
        dpe_valid_until=listed.dpe_valid_until if listed is not None else None,
        energy_class=listed.energy_class if listed is not None else None,
        energy_known=listed is None or listed.letting_ban_known,
    )
    refused = renewal_refusals(facts)
    if refused:
        raise Refused(f"{len(refused)} rule(s) refuse this renewal; nothing was changed", title="Renewal refused", errors=refused)
    placement.lease_term_ends_on = term_ends_on(renews_on, journey.term_months(listed.furnished if listed is not None else None))
    placement.lease_renewals = [*placement.lease_renewals, renews_on]
    if placement.lease_type in TENANT_FORMS:
        placement.head_lease_ends_on = placement.lease_term_ends_on
    await _step(ctx, placement, Step.RENEW, reason=kind)
    return await view(ctx, journey, placement)


def _still_running(placement: Placement) -> None:
    """A lease whose end was recorded takes no more step: no review, slide, renewal, nor a second end (409)."""
    if placement.lease_ended_on is not None:
        raise Conflict(f"this lease ended on {placement.lease_ended_on.isoformat()}", title="Lease ended")


async def end_lease(
    ctx: Context, journey: PlacementPolicy, placement_id: uuid.UUID, ended_on: date, reason: LeaseEndReason
) -> PlacementView:
    """The association records that the placement's signed lease ended on ``ended_on`` (after a slide too), with a
    coded reason: 422 for a day before the lease began or still to come (on the day where the home stands), 409
    once ended. The sliding lease's reviews stop; the event counts the stay (insights)."""
    placement = await _to_move(ctx, placement_id)
    _allowed(placement, Step.END_LEASE)
    _still_running(placement)
    refused = lease_end_refusals(placement.lease_starts_on, ended_on, home_day(await Units.of(ctx).find(placement.unit_id), ctx.now))
    if refused:
        raise Refused(f"{len(refused)} rule(s) refuse this end; nothing was changed", title="Lease end refused", errors=refused)
    placement.lease_ended_on, placement.lease_end_reason = ended_on, reason.value
    placement.next_review_by = None  # no joint review of a lease that ended
    ended = LeaseEnded(
        **ids(placement),
        ended_on=ended_on,
        lease_starts_on=placement.lease_starts_on,
        lease_type=placement.lease_type,
        slid=placement.status == PlacementStatus.SLID.value,
        reason=reason.value,
        recorded_at=ctx.now,
    )
    await _step(ctx, placement, Step.END_LEASE, reason=reason.value, events=[ended])
    return await view(ctx, journey, placement)


def _allowed(placement: Placement, step: Step) -> bool:
    """A step the journey refuses is a 409 before any rule is judged (``journey.move`` says so too)."""
    try:
        after(PlacementStatus(placement.status), step)
    except StepRefused as exc:
        raise Conflict(str(exc), title="Not allowed at this step") from exc
    return True


async def _to_move(ctx: Context, placement_id: uuid.UUID) -> Placement:
    return await Placements.of(ctx).get(placement_id, for_update=True)


async def _step(
    ctx: Context,
    placement: Placement,
    step: Step,
    *,
    reason: str | None = None,
    events: Sequence[EventContract] = (),
    parties: Sequence[str] | None = None,
) -> None:
    await move(
        ctx,
        placement,
        step,
        actor=ctx.principal.subject,
        role=role_of(ctx.principal),
        at=ctx.now,
        reason=reason,
        events=events,
        parties=parties,
    )
