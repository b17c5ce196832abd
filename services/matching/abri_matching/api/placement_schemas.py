"""Request and response bodies of the placements API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from abri_contracts.listings import LettingScheme
from abri_kit.input import Input
from abri_matching.db.placements import PlacementStep
from abri_matching.domain.placements import DeclineReason, LeaseType, RenewalKind, ReviewOutcome, ReviewParty, Step
from abri_matching.usecases.placement_views import PlacementView


class ProposalIn(Input):
    household_id: uuid.UUID
    unit_id: uuid.UUID
    scheme: LettingScheme = Field(description="Under which of the unit's schemes the household would be housed.")


class AcceptIn(Input):
    require_guarantee: bool = Field(default=False, description="The owner asks for a guarantee even if the scheme does not.")


class DeclineIn(Input):
    reason: DeclineReason


ChosenWithdrawReason = Literal["household_withdrew", "household_housed_elsewhere", "association_decision", "other"]
"""The reasons an association gives; ``consent_withdrawn`` and ``household_erased`` are the service's own."""


class WithdrawIn(Input):
    reason: ChosenWithdrawReason


class LeaseIn(Input):
    signed_on: date
    starts_on: date
    lease_type: LeaseType = Field(
        description=(
            "direct (the household is the owner's tenant), sub_let (the association is the tenant and houses the household "
            "under an occupancy agreement), sliding (sub-let that slides to the household), cohabitation (an intergenerational "
            "cohabitation contract, not a lease: CCH art. L631-17). The placement's scheme says which are allowed "
            "(422 lease_type_not_allowed_by_scheme)."
        )
    )
    rent_cents: int | None = Field(default=None, ge=0, le=10_000_000, description="The lease's monthly rent (default: the listed rent).")
    charges_cents: int | None = Field(default=None, ge=0, le=10_000_000, description="The lease's charges (default: the listed ones).")
    under_mandate: bool = Field(
        default=False,
        description="A direct lease managed by an approved intermediary under a management mandate (Loc'Avantages 3 needs it).",
    )
    ends_on: date | None = Field(
        default=None,
        description=(
            "The end of the sub-let (sub_let, sliding), within the head lease; of a cohabitation contract, its agreed last day (required)."
        ),
    )
    services: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
    ] = Field(
        default_factory=list,
        max_length=10,
        description=(
            "A cohabitation contract's small services the young person gives, if agreed (without pay nor subordination: never care,"
            " nor what a paid help at home does). Only with a cohabitation contract."
        ),
    )
    head_lease_ends_on: date | None = Field(
        default=None, description="The end of the owner's lease to the association; required for sub_let and sliding leases."
    )


class RenewalIn(Input):
    renews_on: date = Field(
        description=(
            "The first day of the renewed term: the day after the term's last day (lease_term_ends_on), when a lease is "
            "renewed or tacitly continued (422 renewal_not_at_term_end otherwise)."
        )
    )
    kind: RenewalKind = Field(
        default="tacit", description="tacit: no notice was given and the lease continues; renewed: on an offer of renewal."
    )


class LeaseEndIn(Input):
    ended_on: date = Field(description="The lease's last day (not before it began, not a day still to come: 422).")
    reason: Literal["social_housing", "moved_elsewhere", "owner_notice", "head_lease_ended", "eviction", "death", "other"] = Field(
        description=(
            "Coded, never free text: social_housing (moved to social housing), moved_elsewhere (the household's own notice), "
            "owner_notice (the owner's notice at the term), head_lease_ended, eviction (terminated by a court), death, other."
        )
    )


class ReviewIn(Input):
    outcome: ReviewOutcome
    parties: list[ReviewParty] = Field(
        min_length=1, max_length=3, description="Who took part: a joint review needs the association, the household and the owner."
    )


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
    parties: list[str] | None = None

    @classmethod
    def of(cls, step: PlacementStep, *, reason_shown: bool = True) -> StepOut:
        shown = cls.model_validate(step, from_attributes=True)
        return shown if reason_shown else shown.model_copy(update={"reason": None})


class HouseholdSummary(BaseModel):
    """What an owner learns about the household before and after accepting: no identity, and only what the
    scheme makes necessary (where the association is the tenant, only that an approved association carries it)."""

    size: int | None = Field(description="Null for the owner where the scheme does not disclose it (the association is the tenant).")
    resources_band: str | None = Field(description="Null for the owner where the scheme does not disclose it.")
    association: str
    association_is_tenant: bool = Field(
        description="The association is the owner's tenant and pays the rent (intermediated letting, sliding lease)."
    )
    guarantee_required: bool


class PlacementUnit(BaseModel):
    """The home of a placement as a search shows it (never its street, which listings gives to the parties of an
    accepted placement): what pages name it by."""

    kind: str | None
    rooms: int | None
    living_area_m2: float | None
    postal_code: str | None
    commune: str | None
    insee_code: str | None
    rent_cents: int | None = None
    charges_cents: int | None = None
    energy_cost_cents: int | None = Field(
        default=None, description="Its energy bill a month as listings estimated it from its DPE (null: not estimated)."
    )


class PlacementOut(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    unit: PlacementUnit | None = Field(default=None, description="The home's kind, size and commune; null for a unit not known yet.")
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
    head_lease_ends_on: date | None
    lease_term_ends_on: date | None = Field(
        description="The last day of the owner's lease's current term (the direct lease's or the head lease's); moved by each renewal."
    )
    lease_renewals: list[date] = Field(description="The first day of each renewed or tacitly continued term, in order.")
    agreement_services: list[str] | None = Field(
        default=None, description="A cohabitation contract's small services, as agreed (null: not a cohabitation contract)."
    )
    next_review_by: date | None
    ready_to_slide: bool
    slide_agreed_at: datetime | None
    end_reason: str | None
    lease_ended_on: date | None = Field(default=None, description="The day the signed lease ended, once recorded.")
    lease_end_reason: str | None = Field(
        default=None, description="Why it ended, coded (LeaseEndIn.reason); null for the owner (the household's business)."
    )
    timeline: list[StepOut]

    @classmethod
    def of(cls, seen: PlacementView) -> PlacementOut:
        placement = seen.placement
        return cls(
            id=placement.id,
            unit_id=placement.unit_id,
            unit=PlacementUnit.model_validate(seen.unit, from_attributes=True) if seen.unit is not None else None,
            status=placement.status,
            version=placement.version,
            scheme=placement.scheme,
            guarantee_required=placement.guarantee_required,
            proposed_at=placement.proposed_at,
            answer_by=placement.answer_by,
            household_id=seen.household_id,
            household=HouseholdSummary(
                size=seen.household_size,
                resources_band=seen.resources_band,
                association=placement.org_id,
                association_is_tenant=seen.association_is_tenant,
                guarantee_required=placement.guarantee_required,
            ),
            lease_type=placement.lease_type,
            lease_signed_on=placement.lease_signed_on,
            head_lease_ends_on=placement.head_lease_ends_on,
            lease_term_ends_on=placement.lease_term_ends_on,
            lease_renewals=list(placement.lease_renewals or []),
            agreement_services=list(placement.agreement_services) if placement.agreement_services is not None else None,
            next_review_by=placement.next_review_by,
            ready_to_slide=placement.ready_to_slide,
            slide_agreed_at=placement.slide_agreed_at,
            end_reason=placement.end_reason,
            lease_ended_on=placement.lease_ended_on,
            lease_end_reason=placement.lease_end_reason if seen.lease_end_reason_shown else None,
            timeline=[
                StepOut.of(step, reason_shown=seen.lease_end_reason_shown or step.step != Step.END_LEASE.value) for step in seen.timeline
            ],
        )


class PlacementCounts(BaseModel):
    """How many of the caller's placements are in each status (every status, 0 for none), and in all:
    counted with the same scope as the list, so that a filter's count is what its pages hold."""

    counts: dict[str, int]
    total: int
