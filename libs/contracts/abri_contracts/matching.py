"""Events published by the matching service about placements (topic ``abri.matching.placement``).

A placement carries one household towards one unit: proposed by the association, accepted by the owner,
signed as a lease, or fallen through. Listings reacts to three of them (reserve, let, publish again).
No personal data: the household is named by nothing here, the association by its organisation id.
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


FallThroughReason = Literal["owner_withdrew", "household_withdrew", "guarantee_refused", "lease_not_signed_in_time", "other"]


@contract
class PlacementFellThrough(PlacementEvent):
    """The placement ended before a lease: listings publishes the unit again (if it was reserved for it)."""

    event_type = "abri.matching.placement.fell_through.v1"
    aggregate_id_field = "placement_id"
    summary = "A placement ended before a signed lease."
    consumers = ("listings", "notifications")

    reason: FallThroughReason = Field(description="A coded reason; never free text (it could carry personal data).")
    ended_at: datetime
