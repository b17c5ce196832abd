"""Events published by the matching service about placements (topic ``abri.matching.placement``).

A placement carries one household towards one unit: proposed by the association, accepted by the owner,
signed as a lease, or fallen through, and its lease's end. Listings reacts to four of them (reserve, let, publish
again, back to draft when the lease ended).
No personal data: the household is named only by a pseudonymous id (`household_id`, optional), the association by its organisation id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from abri_contracts.base import EventContract, contract


class PlacementEvent(EventContract):
    """What every placement event names."""

    placement_id: UUID
    unit_id: UUID = Field(description="The unit (listings service) of the placement.")
    org_id: str = Field(description="The association that carries the placement.")
    household_id: UUID | None = Field(
        default=None,
        description=(
            "Added after v1: the placement's household, a pseudonymous id that means nothing outside matching "
            "(the guarantees service links a file to the household's consents and erasure with it)."
        ),
    )
    departement: str | None = Field(
        default=None,
        pattern=r"^(\d{2}|2A|2B|97\d)$",
        description="Added after v1: the département of the unit (75, 2A, 971...), for the counts of insights (producers set it).",
    )


@contract
class PlacementAccepted(PlacementEvent):
    """The owner accepted the proposal: listings reserves the unit for this placement."""

    event_type = "abri.matching.placement.accepted.v1"
    aggregate_id_field = "placement_id"
    summary = "The owner accepted a proposed placement."
    consumers = ("listings", "notifications", "assistant", "insights")  # guarantees waits for GuaranteeRequested

    accepted_at: datetime


@contract
class LeaseSigned(PlacementEvent):
    """The lease of the placement is signed: listings marks the unit let."""

    event_type = "abri.matching.placement.lease_signed.v1"
    aggregate_id_field = "placement_id"
    summary = "The lease of a placement is signed."
    consumers = ("listings", "guarantees", "notifications", "assistant", "insights")

    signed_at: datetime
    lease_starts_on: date
    lease_type: Literal["direct", "sub_let", "sliding", "cohabitation"] | None = Field(
        default=None, description="Added after v1: optional (current producers set it)."
    )
    signed_on: date | None = Field(default=None, description="Added after v1: the day the lease was signed (producers set it).")
    head_lease_ends_on: date | None = Field(
        default=None, description="Added after v1: for a sub-let or sliding lease, the end of the owner's lease to the association."
    )
    rent_cents: int | None = Field(default=None, ge=0, description="Added after v1: the lease's monthly rent, in cents.")
    charges_cents: int | None = Field(default=None, ge=0, description="Added after v1: the lease's monthly charges, in cents.")
    days_since_registration: int | None = Field(
        default=None, ge=0, description="Added after v1: whole days from the household's registration to this step (a duration, no date)."
    )


FallThroughReason = Literal[
    "owner_withdrew",
    "household_withdrew",
    "guarantee_refused",
    "lease_not_signed_in_time",
    "other",
    "consent_withdrawn",
    "household_erased",
]
"""Coded; ``consent_withdrawn`` and ``household_erased`` added after v1."""


@contract
class PlacementFellThrough(PlacementEvent):
    """The placement ended before a lease: listings publishes the unit again (if it was reserved for it)."""

    event_type = "abri.matching.placement.fell_through.v1"
    aggregate_id_field = "placement_id"
    summary = "A placement ended before a signed lease."
    consumers = ("listings", "guarantees", "notifications", "assistant", "insights")

    reason: FallThroughReason = Field(description="A coded reason; never free text (it could carry personal data).")
    ended_at: datetime


@contract
class PlacementProposed(PlacementEvent):
    """An association proposed one of its households for a published unit. The owner learns only an
    anonymous summary, and only what the scheme makes necessary: under a scheme where the association is the
    owner's tenant (intermediated letting, sliding lease) only that an approved association carries the
    household (``household_size`` and ``resources_band`` null); else the household size and a resources band.
    Also the association and whether a guarantee is filed."""

    event_type = "abri.matching.placement.proposed.v1"
    aggregate_id_field = "placement_id"
    summary = "A household is proposed for a unit (anonymous summary for the owner)."
    consumers = ("notifications", "assistant", "insights")

    owner_id: str = Field(description="Opaque subject of the unit's owner (who must answer).")
    household_size: int | None = Field(
        ge=1, description="Null since issue 18 where the scheme does not disclose it to the owner (the association is the tenant)."
    )
    resources_band: str | None = Field(
        description="A band of monthly resources, never the amount; null where the scheme does not disclose it (the association is tenant)."
    )
    association_is_tenant: bool | None = Field(
        default=None, description="Added after v1: the scheme makes the association the owner's tenant (it pays the rent)."
    )
    guarantee_required: bool
    proposed_at: datetime
    answer_by: datetime
    days_since_registration: int | None = Field(
        default=None, ge=0, description="Added after v1: whole days from the household's registration to this step (a duration, no date)."
    )


DeclineReasonCode = Literal["unit_no_longer_available", "prefers_another_proposal", "guarantee_insufficient", "other"]


@contract
class PlacementDeclined(PlacementEvent):
    """The owner declined the proposal (the household goes back to searching, without penalty)."""

    event_type = "abri.matching.placement.declined.v1"
    aggregate_id_field = "placement_id"
    summary = "The owner declined a proposal."
    consumers = ("notifications", "assistant", "insights")

    reason: DeclineReasonCode
    declined_at: datetime


@contract
class PlacementExpired(PlacementEvent):
    """The owner did not answer in time: the proposal lapsed, the unit and the household are free again."""

    event_type = "abri.matching.placement.expired.v1"
    aggregate_id_field = "placement_id"
    summary = "A proposal lapsed without an answer."
    consumers = ("notifications", "assistant", "insights")

    expired_at: datetime


@contract
class PlacementWithdrawn(PlacementEvent):
    """The association withdrew its proposal before the owner's answer."""

    event_type = "abri.matching.placement.withdrawn.v1"
    aggregate_id_field = "placement_id"
    summary = "The association withdrew a proposal before the owner answered."
    consumers = ("notifications", "assistant", "insights")

    reason: Literal[
        "household_withdrew", "household_housed_elsewhere", "association_decision", "other", "consent_withdrawn", "household_erased"
    ] = Field(
        description=(
            "Coded; `consent_withdrawn` and `household_erased` added after v1 "
            "(the household withdrew its consent to matching, or was erased)."
        )
    )
    withdrawn_at: datetime


@contract
class GuaranteeRequested(PlacementEvent):
    """The placement waits for a guarantee: the association files it with a fund (guarantees service)."""

    event_type = "abri.matching.placement.guarantee_requested.v1"
    aggregate_id_field = "placement_id"
    summary = "An accepted placement waits for a guarantee."
    consumers = ("guarantees", "notifications", "assistant")

    requested_at: datetime


@contract
class SlidingLeaseReviewed(PlacementEvent):
    """A joint review of a sliding lease (association, household, owner)."""

    event_type = "abri.matching.placement.sliding_reviewed.v1"
    aggregate_id_field = "placement_id"
    summary = "A joint review of a sliding lease took place."
    consumers = ("notifications", "assistant")

    reviewed_at: datetime
    outcome: Literal["continue", "ready_to_slide"]
    next_review_by: date | None
    parties: list[Literal["association", "household", "owner"]] | None = Field(
        default=None, description="Added after v1: who took part in the joint review."
    )


@contract
class LeaseSlid(PlacementEvent):
    """The sliding lease slid: the household is now the tenant in its own name."""

    event_type = "abri.matching.placement.slid.v1"
    aggregate_id_field = "placement_id"
    summary = "A sliding lease slid to the household."
    consumers = ("notifications", "assistant", "insights")

    slid_at: datetime
    days_since_registration: int | None = Field(
        default=None, ge=0, description="Added after v1: whole days from the household's registration to this step (a duration, no date)."
    )
    days_since_lease: int | None = Field(
        default=None, ge=0, description="Added after v1: whole days from the lease's signature to the slide (a duration, no date)."
    )


@contract
class SlideAgreed(PlacementEvent):
    """The owner agreed that the sliding lease slides to the household (after a joint review found it ready);
    the association may then record the slide."""

    event_type = "abri.matching.placement.slide_agreed.v1"
    aggregate_id_field = "placement_id"
    summary = "The owner agreed to a sliding lease's slide."
    consumers = ("notifications",)

    owner_id: str = Field(description="Opaque subject of the unit's owner.")
    agreed_at: datetime


@contract
class SlidingReviewDue(PlacementEvent):
    """A sliding lease's joint review is due soon: the association sets a date with the household and the
    owner. Published once per review date, some days before it (``PlacementPolicy.review_due_notice_days``)."""

    event_type = "abri.matching.placement.sliding_review_due.v1"
    aggregate_id_field = "placement_id"
    summary = "A sliding lease's joint review is due soon."
    consumers = ("notifications",)

    owner_id: str = Field(description="Opaque subject of the unit's owner (a party to the review).")
    next_review_by: date
    days_left: int = Field(ge=0, description="Days from the sweep's day in France to the review date.")
    alerted_at: datetime


@contract
class SlidingReviewOverdue(PlacementEvent):
    """A sliding lease's joint review was not held by its date. Published once per review date, the day after it."""

    event_type = "abri.matching.placement.sliding_review_overdue.v1"
    aggregate_id_field = "placement_id"
    summary = "A sliding lease's joint review is overdue."
    consumers = ("notifications",)

    owner_id: str = Field(description="Opaque subject of the unit's owner (a party to the review).")
    next_review_by: date
    days_overdue: int = Field(ge=1, description="Days from the review date to the sweep's day in France.")
    alerted_at: datetime


LeaseEndReason = Literal["social_housing", "moved_elsewhere", "owner_notice", "head_lease_ended", "eviction", "death", "other"]
"""Why a lease ended, coded."""


@contract
class LeaseEnded(PlacementEvent):
    """The association recorded that the placement's signed lease ended (after a slide too): listings puts the
    unit back to draft (and tells it with ``unit.lease_ended``, through which its owner learns it), the assistant
    tells the household that its lease ended, and the stays that last are counted from it (insights)."""

    event_type = "abri.matching.placement.lease_ended.v1"
    aggregate_id_field = "placement_id"
    summary = "A placement's signed lease ended (its day and a coded reason)."
    consumers = ("listings", "assistant", "insights")

    ended_on: date
    lease_starts_on: date | None = Field(description="The lease's first day (its months run count from it).")
    lease_type: Literal["direct", "sub_let", "sliding", "cohabitation"] | None = None
    slid: bool = Field(description="Whether the sliding lease had slid to the household before it ended.")
    reason: LeaseEndReason
    recorded_at: datetime
