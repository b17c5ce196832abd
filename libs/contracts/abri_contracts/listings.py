"""Events published by the listings service (topic ``abri.listings.unit``).

They carry the facts about a unit that other services keep in their read models (matching ranks
units, guarantees checks rent caps). No personal data: the owner is known only by the opaque
subject of their identity-provider account.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from abri_contracts.base import EventContract, contract

EnergyClass = Literal["A", "B", "C", "D", "E", "F", "G"]
LettingScheme = Literal[
    "intermediated_letting",
    "management_mandate",
    "sliding_lease",
    "loc_avantages_1",
    "loc_avantages_2",
    "loc_avantages_3",
    "direct_lease",
]


@contract
class UnitPublished(EventContract):
    """A unit became visible to associations (first publication, or back after a placement fell through)."""

    event_type = "abri.listings.unit.published.v1"
    aggregate_id_field = "unit_id"
    summary = "A unit is published and open to placements."
    consumers = ("matching", "guarantees", "notifications")

    unit_id: UUID
    version: int = Field(ge=1, description="Version of the unit; read models apply only newer versions.")
    owner_id: str = Field(description="Opaque subject of the owner's account.")
    postal_code: str = Field(pattern=r"^\d{5}$")
    insee_code: str = Field(pattern=r"^[0-9AB]{5}$", description="INSEE code of the commune.")
    departement: str = Field(pattern=r"^(\d{2,3}|2A|2B)$")
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    rooms: int = Field(ge=1)
    living_area_m2: float = Field(gt=0)
    floor: int
    elevator: bool
    accessibility: list[str] = Field(default_factory=list)
    furnished: bool
    rent_cents: int = Field(ge=0, description="Monthly rent excluding charges, in euro cents.")
    charges_cents: int = Field(ge=0, description="Monthly charges, in euro cents.")
    energy_class: EnergyClass
    schemes: list[LettingScheme]
    available_from: date
    published_at: datetime


@contract
class UnitWithdrawn(EventContract):
    """The owner withdrew a unit: it leaves every pool and read model."""

    event_type = "abri.listings.unit.withdrawn.v1"
    aggregate_id_field = "unit_id"
    summary = "A unit is withdrawn by its owner."
    consumers = ("matching", "guarantees", "notifications")

    unit_id: UUID
    version: int = Field(ge=1)
    owner_id: str
    withdrawn_at: datetime


@contract
class UnitUpdated(UnitPublished):
    """A published unit's facts changed (same snapshot as :class:`UnitPublished`, a higher version)."""

    event_type = "abri.listings.unit.updated.v1"
    summary = "A published unit's facts changed."
