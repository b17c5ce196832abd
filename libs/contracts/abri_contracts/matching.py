"""Events published by the matching service about placements (topic ``abri.matching.placement``).

A placement carries one household towards one unit: proposed by the association, accepted by the owner,
signed as a lease, or fallen through. Listings reacts to three of them (reserve, let, publish again).
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


@contract
class PlacementAccepted(PlacementEvent):
    """The owner accepted the proposal: listings reserves the unit for this placement."""

    event_type = "abri.matching.placement.accepted.v1"
    aggregate_id_field = "placement_id"
    summary = "The owner accepted a proposed placement."
    consumers = ("listings", "guarantees", "notifications")

    accepted_at: datetime


@contract
class LeaseSigned(PlacementEvent):
    """The lease of the placement is signed: listings marks the unit let."""

    event_type = "abri.matching.placement.lease_signed.v1"
    aggregate_id_field = "placement_id"
    summary = "The lease of a placement is signed."
    consumers = ("listings", "guarantees", "notifications")

    signed_at: datetime
    lease_starts_on: date
    lease_type: Literal["direct", "sub_let", "sliding"] | None = Field(
        default=None, description="Added after v1: optional (current producers set it)."
    )
    signed_on: date | None = Field(default=None, description="Added after v1: the day the lease was signed (producers set it).")
    rent_cents: int | None = Field(default=None, ge=0, description="Added after v1: the lease's monthly rent, in cents.")
    charges_cents: int | None = Field(default=None, ge=0, description="Added after v1: the lease's monthly charges, in cents.")


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
    consumers = ("listings", "guarantees", "notifications")

    reason: FallThroughReason = Field(description="A coded reason; never free text (it could carry personal data).")
    ended_at: datetime


@contract
class PlacementProposed(PlacementEvent):
    """An association proposed one of its households for a published unit. The owner learns only an
    anonymous summary (household size, resources band, the association, whether a guarantee is filed)."""

    event_type = "abri.matching.placement.proposed.v1"
    aggregate_id_field = "placement_id"
    summary = "A household is proposed for a unit (anonymous summary for the owner)."
    consumers = ("notifications",)

    owner_id: str = Field(description="Opaque subject of the unit's owner (who must answer).")
    household_size: int = Field(ge=1)
    resources_band: str = Field(description="A band of monthly resources, never the amount.")
    guarantee_required: bool
    proposed_at: datetime
    answer_by: datetime


DeclineReasonCode = Literal["unit_no_longer_available", "prefers_another_proposal", "guarantee_insufficient", "other"]


@contract
class PlacementDeclined(PlacementEvent):
    """The owner declined the proposal (the household goes back to searching, without penalty)."""

    event_type = "abri.matching.placement.declined.v1"
    aggregate_id_field = "placement_id"
    summary = "The owner declined a proposal."
    consumers = ("notifications",)

    reason: DeclineReasonCode
    declined_at: datetime


@contract
class PlacementExpired(PlacementEvent):
    """The owner did not answer in time: the proposal lapsed, the unit and the household are free again."""

    event_type = "abri.matching.placement.expired.v1"
    aggregate_id_field = "placement_id"
    summary = "A proposal lapsed without an answer."
    consumers = ("notifications",)

    expired_at: datetime


@contract
class PlacementWithdrawn(PlacementEvent):
    """The association withdrew its proposal before the owner's answer."""

    event_type = "abri.matching.placement.withdrawn.v1"
    aggregate_id_field = "placement_id"
    summary = "The association withdrew a proposal before the owner answered."
    consumers = ("notifications",)

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
    consumers = ("guarantees", "notifications")

    requested_at: datetime


@contract
class SlidingLeaseReviewed(PlacementEvent):
    """A joint review of a sliding lease (association, household, owner)."""

    event_type = "abri.matching.placement.sliding_reviewed.v1"
    aggregate_id_field = "placement_id"
    summary = "A joint review of a sliding lease took place."
    consumers = ("notifications",)

    reviewed_at: datetime
    outcome: Literal["continue", "ready_to_slide"]
    next_review_by: date | None


@contract
class LeaseSlid(PlacementEvent):
    """The sliding lease slid: the household is now the tenant in its own name."""

    event_type = "abri.matching.placement.slid.v1"
    aggregate_id_field = "placement_id"
    summary = "A sliding lease slid to the household."
    consumers = ("notifications",)

    slid_at: datetime
