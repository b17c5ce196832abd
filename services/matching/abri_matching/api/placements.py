"""The placement journey over HTTP: associations propose and carry placements, owners answer.

A social worker sees its association's placements; an owner those for its units, with only an
anonymous summary of the household (size, resources band, association, guarantee) and never its
identity. Another party's placement answers 404. Each answer moves the placement one step, records
who, when and why, and publishes the step's event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from abri_auth.dependencies import CurrentPrincipal, require_roles
from abri_auth.principal import Principal
from abri_auth.scoping import NotFound, get_scoped, tenant_filter
from abri_bus.outbox import publish
from abri_contracts import EventContract
from abri_contracts.listings import LettingScheme
from abri_contracts.matching import (
    GuaranteeRequested,
    LeaseSigned,
    LeaseSlid,
    PlacementAccepted,
    PlacementDeclined,
    PlacementProposed,
    PlacementWithdrawn,
    SlidingLeaseReviewed,
)
from abri_kit.clock import Now, day_in_france
from abri_kit.db import SessionDep
from abri_kit.idempotency import Idempotent
from abri_kit.input import Input
from abri_kit.problems import Problem
from abri_matching.api.households import scoped_household
from abri_matching.db.allocations import Suggestion
from abri_matching.db.households import Consent, Household
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.db.units import UnitView
from abri_matching.domain.households import AccessPurpose, HouseholdStatus
from abri_matching.domain.placements import (
    DeclineReason,
    PlacementPolicy,
    PlacementStatus,
    Step,
    StepRefused,
    WithdrawReason,
    resources_band,
)
from abri_matching.journey import Conflict, ids, move
from abri_matching.privacy.personal_data import Erased, read_personal

"""Leases are signed on French calendar days."""

router = APIRouter(prefix="/v1/placements", tags=["placements"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Owner = Annotated[Principal, Depends(require_roles("owner"))]


def journey_policy(request: Request) -> PlacementPolicy:
    policy: PlacementPolicy = request.app.state.placement_policy
    return policy


Journey = Annotated[PlacementPolicy, Depends(journey_policy)]


class ProposalIn(Input):
    household_id: uuid.UUID
    unit_id: uuid.UUID
    scheme: LettingScheme = Field(description="Under which of the unit's schemes the household would be housed.")


class AcceptIn(Input):
    require_guarantee: bool = Field(default=False, description="The owner asks for a guarantee even if the scheme does not.")


class DeclineIn(Input):
    reason: DeclineReason


class WithdrawIn(Input):
    reason: WithdrawReason


class LeaseIn(Input):
    signed_on: date
    starts_on: date
    lease_type: Literal["direct", "sub_let", "sliding"]
    rent_cents: int | None = Field(default=None, ge=0, le=10_000_000, description="The lease's monthly rent (default: the listed rent).")
    charges_cents: int | None = Field(default=None, ge=0, le=10_000_000, description="The lease's charges (default: the listed ones).")


class ReviewIn(Input):
    outcome: Literal["continue", "ready_to_slide"]


class ContactOut(BaseModel):
    """Who the owner will house, once it accepted and the household consented to it: names and how to
    reach them, nothing about their situation."""

    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None


class StepOut(BaseModel):
    step: str
    from_status: str | None
    to_status: str
    actor_role: str
    at: datetime
    reason: str | None


class HouseholdSummary(BaseModel):
    """What an owner learns about the household before and after accepting: no identity."""

    size: int
    resources_band: str
    association: str
    guarantee_required: bool


class PlacementOut(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    status: str
    version: int
    scheme: str
    guarantee_required: bool
    proposed_at: datetime
    answer_by: datetime
    household_id: uuid.UUID | None = Field(description="For the association only (null for the owner).")
    household: HouseholdSummary
    lease_type: str | None
    lease_signed_on: date | None
    next_review_by: date | None
    end_reason: str | None
    timeline: list[StepOut]


def own_household(principal: Principal) -> sa.ColumnElement[bool]:
    """A household person's placements: those of the household its association linked to its account."""
    if not principal.has_role("household"):
        return sa.false()
    return Placement.household_id.in_(sa.select(Household.id).where(Household.account_subject == principal.subject))


async def visible(session: SessionDep, placement_id: uuid.UUID, principal: Principal, *, for_update: bool = False) -> Placement:
    """The placement if it is the caller's association's, for the caller's unit, or the caller's own
    household's; 404 otherwise."""
    try:
        return await get_scoped(
            session, Placement, placement_id, principal, org_attr="org_id", owner_attr="owner_id", for_update=for_update
        )
    except NotFound:
        statement = sa.select(Placement).where(Placement.id == placement_id, own_household(principal))
        placement = await session.scalar(statement.with_for_update() if for_update else statement)
        if placement is None:
            raise
        return placement


async def out(session: SessionDep, placement: Placement, principal: Principal) -> PlacementOut:
    household = await session.get(Household, placement.household_id)
    steps = await session.execute(sa.select(PlacementStep).where(PlacementStep.placement_id == placement.id).order_by(PlacementStep.seq))
    association = principal.has_role("social_worker") and principal.org_id == placement.org_id
    size = (household.adults + household.children) if household else 0
    return PlacementOut(
        id=placement.id,
        unit_id=placement.unit_id,
        status=placement.status,
        version=placement.version,
        scheme=placement.scheme,
        guarantee_required=placement.guarantee_required,
        proposed_at=placement.proposed_at,
        answer_by=placement.answer_by,
        household_id=placement.household_id if association else None,
        household=HouseholdSummary(
            size=size,
            resources_band=resources_band(household.resources_cents if household else 0),
            association=placement.org_id,
            guarantee_required=placement.guarantee_required,
        ),
        lease_type=placement.lease_type,
        lease_signed_on=placement.lease_signed_on,
        next_review_by=placement.next_review_by,
        end_reason=placement.end_reason,
        timeline=[StepOut.model_validate(step, from_attributes=True) for step in steps.scalars()],
    )


async def step(
    session: SessionDep,
    placement: Placement,
    principal: Principal,
    move_: Step,
    *,
    at: datetime,
    reason: str | None = None,
    events: Sequence[EventContract] | None = None,
) -> None:
    """The journey's move by the caller; a step the journey refuses, or a stale placement, answers 409."""
    try:
        await move(session, placement, move_, actor=principal.subject, role=_role(principal), at=at, reason=reason, events=events)
    except StepRefused as exc:
        raise Problem(409, str(exc), title="Not allowed at this step") from exc
    except Conflict as exc:
        raise Problem(409, str(exc), title="Changed meanwhile") from exc


def _role(principal: Principal) -> str:
    return next((role for role in ("social_worker", "owner", "ops") if principal.has_role(role)), "system")


@router.post("", status_code=201, summary="Propose one of my households for a published unit (one active proposal per unit)")
async def propose(
    body: ProposalIn, principal: SocialWorker, session: SessionDep, journey: Journey, now: Now, idempotency: Idempotent
) -> PlacementOut:
    await idempotency.claim(body)
    household = await scoped_household(session, body.household_id, principal, for_update=True)
    if household.status != HouseholdStatus.SEARCHING.value:
        raise Problem(409, f"the household is {household.status}, not searching", title="Not searching")
    unit = await session.get(UnitView, body.unit_id)
    if unit is None or unit.status != "published":
        raise Problem(404, f"unit {body.unit_id} is not open to placements")
    if body.scheme not in unit.schemes:
        raise Problem(
            422,
            f"the unit does not accept the scheme {body.scheme}",
            errors=[{"field": "body.scheme", "message": "not a scheme of the unit"}],
        )
    placement = Placement(
        id=uuid.uuid4(),
        org_id=household.org_id,
        household_id=household.id,
        unit_id=unit.unit_id,
        owner_id=unit.owner_id,
        scheme=body.scheme,
        status=PlacementStatus.PROPOSED.value,
        guarantee_required=body.scheme in journey.guarantee_schemes,
        proposed_by=principal.subject,
        proposed_at=now,
        answer_by=now + journey.answer_within,
        ready_to_slide=False,
    )
    session.add(placement)
    household.status = HouseholdStatus.PROPOSED.value
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "this unit already has an active proposal", title="Unit already proposed") from exc
    session.add(
        PlacementStep(
            placement_id=placement.id,
            step="propose",
            from_status=None,
            to_status="proposed",
            actor=principal.subject,
            actor_role="social_worker",
            at=now,
        )
    )
    reviewed = {"status": "proposed", "reviewed_by": principal.subject, "reviewed_at": now}
    await session.execute(  # a batch run's suggestion of this pair is now reviewed: proposed
        sa.update(Suggestion)
        .where(
            Suggestion.org_id == placement.org_id,
            Suggestion.household_id == household.id,
            Suggestion.unit_id == placement.unit_id,
            Suggestion.status == "pending",
        )
        .values(**reviewed)
    )
    await publish(
        session,
        PlacementProposed(
            **ids(placement),
            owner_id=placement.owner_id,
            household_size=household.adults + household.children,
            resources_band=resources_band(household.resources_cents),
            guarantee_required=placement.guarantee_required,
            proposed_at=now,
            answer_by=placement.answer_by,
        ),
    )
    proposed = await out(session, placement, principal)
    await idempotency.remember(201, proposed)
    return proposed


@router.get("", summary="My association's placements, those for my units, or my own household's")
async def list_placements(principal: CurrentPrincipal, session: SessionDep) -> list[PlacementOut]:
    mine = tenant_filter(principal, org_column=Placement.org_id, owner_column=Placement.owner_id)
    statement = sa.select(Placement).where(sa.or_(mine, own_household(principal)))
    rows = await session.execute(statement.order_by(Placement.proposed_at.desc(), Placement.id))
    return [await out(session, placement, principal) for placement in rows.scalars()]


@router.get("/{placement_id}", summary="A placement and its timeline")
async def read_placement(placement_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> PlacementOut:
    return await out(session, await visible(session, placement_id, principal), principal)


@router.post("/{placement_id}/accept", summary="Accept a proposal for my unit (owner)")
async def accept(placement_id: uuid.UUID, body: AcceptIn, principal: Owner, session: SessionDep, now: Now) -> PlacementOut:
    placement = await visible(session, placement_id, principal, for_update=True)
    if placement.status == PlacementStatus.PROPOSED.value and placement.answer_by < now:
        raise Problem(409, "the answer was due by then: the proposal has lapsed", title="Too late")
    await step(session, placement, principal, Step.ACCEPT, at=now, events=[PlacementAccepted(**ids(placement), accepted_at=now)])
    if body.require_guarantee or placement.guarantee_required:
        placement.guarantee_required = True
        await step(
            session, placement, principal, Step.REQUEST_GUARANTEE, at=now, events=[GuaranteeRequested(**ids(placement), requested_at=now)]
        )
    return await out(session, placement, principal)


@router.post("/{placement_id}/decline", summary="Decline a proposal for my unit (owner; no penalty for the household)")
async def decline(placement_id: uuid.UUID, body: DeclineIn, principal: Owner, session: SessionDep, now: Now) -> PlacementOut:
    placement = await visible(session, placement_id, principal, for_update=True)
    event = PlacementDeclined(**ids(placement), reason=body.reason.value, declined_at=now)
    await step(session, placement, principal, Step.DECLINE, at=now, reason=body.reason.value, events=[event])
    return await out(session, placement, principal)


@router.post("/{placement_id}/withdraw", summary="Withdraw a placement before the lease (association)")
async def withdraw(placement_id: uuid.UUID, body: WithdrawIn, principal: SocialWorker, session: SessionDep, now: Now) -> PlacementOut:
    placement = await visible(session, placement_id, principal, for_update=True)
    events = (
        [PlacementWithdrawn(**ids(placement), reason=body.reason.value, withdrawn_at=now)]
        if placement.status == PlacementStatus.PROPOSED.value
        else []
    )
    await step(
        session, placement, principal, Step.WITHDRAW, at=now, reason=body.reason.value, events=events
    )  # after acceptance: fell through
    return await out(session, placement, principal)


@router.post("/{placement_id}/lease", summary="Record the signed lease (association)")
async def sign_lease(
    placement_id: uuid.UUID, body: LeaseIn, principal: SocialWorker, session: SessionDep, journey: Journey, now: Now
) -> PlacementOut:
    placement = await visible(session, placement_id, principal, for_update=True)
    if body.starts_on < body.signed_on:
        raise Problem(422, "the lease starts before it is signed", errors=[{"field": "body.starts_on", "message": "before signed_on"}])
    if body.signed_on > day_in_france(now):
        raise Problem(422, "a lease is recorded once signed", errors=[{"field": "body.signed_on", "message": "in the future"}])
    placement.lease_type, placement.lease_signed_on, placement.lease_starts_on = body.lease_type, body.signed_on, body.starts_on
    if body.lease_type == "sliding":
        placement.next_review_by = body.signed_on + journey.sliding_review_every
    listed = await session.get(UnitView, placement.unit_id)
    event = LeaseSigned(
        **ids(placement),
        signed_at=now,
        lease_starts_on=body.starts_on,
        lease_type=body.lease_type,
        signed_on=body.signed_on,
        rent_cents=body.rent_cents if body.rent_cents is not None else (listed.rent_cents if listed else None),
        charges_cents=body.charges_cents if body.charges_cents is not None else (listed.charges_cents if listed else None),
    )
    await step(session, placement, principal, Step.SIGN_LEASE, at=now, events=[event])
    return await out(session, placement, principal)


@router.post("/{placement_id}/reviews", summary="Record a joint review of a sliding lease (association)")
async def review(
    placement_id: uuid.UUID, body: ReviewIn, principal: SocialWorker, session: SessionDep, journey: Journey, now: Now
) -> PlacementOut:
    placement = await visible(session, placement_id, principal, for_update=True)
    if placement.lease_type != "sliding":
        raise Problem(409, "only a sliding lease has joint reviews", title="Not a sliding lease")
    placement.ready_to_slide = body.outcome == "ready_to_slide"
    placement.next_review_by = None if placement.ready_to_slide else day_in_france(now) + journey.sliding_review_every
    event = SlidingLeaseReviewed(**ids(placement), reviewed_at=now, outcome=body.outcome, next_review_by=placement.next_review_by)
    await step(session, placement, principal, Step.REVIEW, at=now, reason=body.outcome, events=[event])
    return await out(session, placement, principal)


@router.post("/{placement_id}/slide", summary="The sliding lease slides to the household (association, after a review found it ready)")
async def slide(placement_id: uuid.UUID, principal: SocialWorker, session: SessionDep, now: Now) -> PlacementOut:
    placement = await visible(session, placement_id, principal, for_update=True)
    if placement.lease_type != "sliding" or not placement.ready_to_slide:
        raise Problem(409, "a sliding lease slides after a joint review found the household ready", title="Not ready to slide")
    await step(session, placement, principal, Step.SLIDE, at=now, events=[LeaseSlid(**ids(placement), slid_at=now)])
    return await out(session, placement, principal)


SHARED_AFTER = frozenset({"accepted", "awaiting_guarantee", "guaranteed", "lease_signed", "slid"})


@router.get(
    "/{placement_id}/household-contact",
    summary="The household's names and contact, for the owner once it accepted (with the household's consent; logged)",
    responses={403: {"description": "Not accepted yet, or no consent to share"}, 410: {"description": "Erased"}},
)
async def household_contact(placement_id: uuid.UUID, principal: Owner, session: SessionDep, request: Request) -> ContactOut:
    placement = await visible(session, placement_id, principal)
    if placement.status not in SHARED_AFTER:
        raise Problem(403, "the household stays anonymous until you accept the proposal", title="Not accepted")
    consented = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Consent)
        .where(
            Consent.household_id == placement.household_id,
            Consent.purpose == "share_with_owner_after_acceptance",
            Consent.withdrawn_at.is_(None),
        )
    )
    if not consented:
        raise Problem(
            403,
            "the household has not consented to share its contact with the owner: the association keeps the contact",
            title="No consent",
        )
    household = await session.get(Household, placement.household_id)
    if household is None:
        raise Problem(404, f"placement {placement_id} was not found")
    try:
        opened = await read_personal(session, request.app.state.keyring, household, principal, AccessPurpose.OWNER_AFTER_ACCEPTANCE.value)
    except Erased as exc:
        raise Problem(410, "this household's personal data were erased", title="Erased") from exc
    identity = opened["identity"]
    return ContactOut(
        first_name=identity.get("first_name"), last_name=identity.get("last_name"), phone=identity.get("phone"), email=identity.get("email")
    )
