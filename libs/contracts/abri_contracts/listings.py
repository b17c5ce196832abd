"""Events published by the listings service (topic ``abri.listings.unit``).

They carry the facts about a unit that other services keep in their read models (matching ranks
units, guarantees checks rent caps). No personal data: the owner is known only by the opaque
subject of their identity-provider account.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

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
    "intergenerational_cohabitation",
]
SCHEME_COUNT = len(get_args(LettingScheme))
"""How many schemes there are: the most a list of distinct schemes holds."""


WithdrawalReason = Literal["owner", "letting_ban", "dpe_expired", "rules"]

UnitStatusName = Literal["draft", "published", "reserved", "let", "withdrawn"]
DescriptionLanguage = Literal["fr", "en", "ar", "uk"]
MainEnergy = Literal["electricity", "natural_gas", "fuel_oil", "propane", "wood_pellets", "wood_logs", "district_heating"]


class EnergyCostEstimate(BaseModel):
    """The home's energy bill a month, estimated as its DPE estimates it: its final energy a year priced with
    the DPE's conventional prices of its main energy (taxes and subscription included); ``low_cents`` to
    ``high_cents`` is the DPE's own range. An estimate to inform, never a rule."""

    model_config = ConfigDict(extra="ignore", frozen=True)  # as every event: a later field never fails an older consumer

    energy: MainEnergy
    annual_kwh: int = Field(ge=0, description="Final energy a year the estimate is priced on (kWh PCI, every use).")
    monthly_cents: int = Field(ge=0, description="Estimated energy bill a month, euro cents.")
    low_cents: int = Field(ge=0, description="The DPE's range (15 % by default): below, rounded down to the euro.")
    high_cents: int = Field(ge=0, description="The DPE's range: above, rounded up to the euro.")
    from_primary: bool = Field(description="True when the final energy was read from the primary energy (no final energy given).")
    prices_since: date = Field(description="The DPE price table used (arrêté of 25 March 2024: from 2024-07-01).")


LeaseForm = Literal["individual", "shared"]
SpaceKind = Literal["kitchen", "living_room", "bathroom", "wc", "other"]


class SharedSpace(BaseModel):
    """A space of a shared home its occupants share (a kitchen, a living room, a bathroom, ...)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: SpaceKind
    area_m2: float = Field(ge=0)


class QuietHours(BaseModel):
    """The home's quiet hours, as its owner states them (local time, ``HH:MM``; ``until`` may be the next morning)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    until: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class SharedHome(BaseModel):
    """The shared home a room belongs to (loi 89-462, art. 8-1: a colocation): its whole-home facts, the lease
    form its rooms are let under, and the house rules its owner states. Only stated constraints: nothing about
    who lives in the other rooms."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    home_id: UUID
    lease_form: LeaseForm = Field(description="individual: a lease per occupant; shared: one lease every co-tenant signs.")
    kind: Literal["apartment", "house"]
    rooms: int = Field(ge=1, description="Main rooms of the whole home.")
    living_area_m2: float = Field(gt=0, description="Living area of the whole home.")
    occupants_max: int = Field(ge=1, description="How many people this room takes, at most.")
    spaces: list[SharedSpace] = Field(default_factory=list)
    smoke_free: bool = Field(description="No smoking anywhere in the home.")
    quiet_hours: QuietHours | None = None


class UnitSnapshot(EventContract):
    """The unit's full non-personal snapshot, carried by every unit event so that a read model never
    calls listings. The street is left out (it is given to the parties of an accepted placement, not
    broadcast); the owner appears only as the opaque subject of their account.

    The first fields were published with ``unit.published.v1``; the ones from ``status`` on were added
    later and are optional so that the published schema only grows (current producers always set them).
    """

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
    status: UnitStatusName | None = Field(default=None, description="The unit's status after this event.")
    commune: str | None = Field(default=None, description="Name of the commune.")
    kind: Literal["studio", "apartment", "house", "room"] | None = None
    ceiling_height_m: float | None = Field(default=None, gt=0)
    deposit_cents: int | None = Field(default=None, ge=0, description="Security deposit, in euro cents.")
    primary_energy_kwh: float | None = Field(default=None, ge=0, description="DPE primary energy, kWh/m²/year.")
    emissions_kg: float | None = Field(default=None, ge=0, description="DPE greenhouse-gas emissions, kg CO₂/m²/year.")
    final_energy_kwh: float | None = Field(default=None, ge=0, description="Final energy, kWh/m²/year (decency limit).")
    dpe_date: date | None = Field(default=None, description="Date of the energy diagnosis.")
    minimum_duration_months: int | None = Field(default=None, ge=1)
    description: dict[DescriptionLanguage, str] | None = Field(default=None, description="Description by language.")
    overseas: bool | None = Field(default=None, description="The commune is in an overseas département (its own ban calendar).")
    letting_banned_from: date | None = Field(
        default=None,
        description=(
            "First day on which no new lease or renewal may be signed for this unit, from its DPE class and its "
            "commune's calendar (loi 2021-1104, art. 160); null when no ban in force or announced reaches its class."
        ),
    )
    dpe_valid_until: date | None = Field(default=None, description="Last day the unit's energy diagnosis is valid (décret 2020-1610).")
    main_energy: MainEnergy | None = Field(default=None, description="The energy the home's DPE names as its main one.")
    energy_cost: EnergyCostEstimate | None = Field(
        default=None, description="The home's energy bill a month, estimated from its DPE (null: main energy or consumption unknown)."
    )
    shared_home: SharedHome | None = Field(
        default=None, description="For a room of a shared home: the home, its lease form and its house rules (null: a whole home)."
    )


@contract
class UnitPublished(UnitSnapshot):
    """A unit became visible to associations (its first publication)."""

    event_type = "abri.listings.unit.published.v1"
    aggregate_id_field = "unit_id"
    summary = "A unit is published and open to placements."
    consumers = ("matching", "guarantees", "notifications", "insights")


@contract
class UnitWithdrawn(EventContract):
    """The owner withdrew a unit: it leaves every pool and read model."""

    event_type = "abri.listings.unit.withdrawn.v1"
    aggregate_id_field = "unit_id"
    summary = "A unit is withdrawn by its owner."
    consumers = ("matching", "guarantees", "notifications", "insights")

    unit_id: UUID
    version: int = Field(ge=1)
    owner_id: str
    withdrawn_at: datetime
    unit: UnitSnapshot | None = Field(
        default=None, description="The unit as it was withdrawn (added after v1 was published: optional; current producers set it)."
    )
    reason: WithdrawalReason | None = Field(
        default=None,
        description=(
            "Why it left the market: its owner withdrew it, or a rule now refuses it (a letting ban began, its energy diagnosis "
            "expired, another rule) and it went back to its owner as a draft. Added after v1: optional (absent: the owner)."
        ),
    )
    rules: list[str] = Field(default_factory=list, description="The rules that refused it, when a rule did (listings' rule ids).")


@contract
class UnitUpdated(UnitSnapshot):
    """A published unit's facts changed (the same snapshot, a higher version)."""

    event_type = "abri.listings.unit.updated.v1"
    aggregate_id_field = "unit_id"
    summary = "A published unit's facts changed."
    consumers = ("matching", "guarantees", "notifications")


class PlacementStep(UnitSnapshot):
    """A unit event caused by a placement (matching's events): the snapshot and the placement."""

    placement_id: UUID = Field(description="The placement (matching service) that caused the change.")


@contract
class UnitReserved(PlacementStep):
    """The owner accepted a proposal: the unit is held for that placement and leaves search."""

    event_type = "abri.listings.unit.reserved.v1"
    aggregate_id_field = "unit_id"
    summary = "A unit is reserved for an accepted placement."
    consumers = ("matching", "guarantees", "notifications")


@contract
class UnitLet(PlacementStep):
    """The lease is signed: the unit is let."""

    event_type = "abri.listings.unit.let.v1"
    aggregate_id_field = "unit_id"
    summary = "A unit is let: the lease of its placement is signed."
    consumers = ("matching", "guarantees", "notifications", "insights")


@contract
class UnitRepublished(PlacementStep):
    """The placement fell through: the unit is published again (the placement named is the one that ended)."""

    event_type = "abri.listings.unit.republished.v1"
    aggregate_id_field = "unit_id"
    summary = "A reserved unit is published again after its placement fell through."
    consumers = ("matching", "guarantees", "notifications")


@contract
class UnitLeaseEnded(PlacementStep):
    """The lease of the placement the unit was let to ended (a sliding lease too, slid or not): the unit is back
    to draft, for its owner to check its rent, availability and diagnoses and publish it again. The placement
    named is the one whose lease ended; why it ended (matching's coded reason) is not carried: it is the
    household's business, not the owner's."""

    event_type = "abri.listings.unit.lease_ended.v1"
    aggregate_id_field = "unit_id"
    summary = "A let unit is back to draft: the lease of its placement ended."
    consumers = ("matching", "guarantees", "notifications")

    ended_on: date = Field(description="The lease's last day, as the association recorded it (matching's ``lease_ended``).")


STATUS_IMPLIED: dict[str, UnitStatusName] = {
    "published": "published",
    "updated": "published",
    "republished": "published",
    "reserved": "reserved",
    "let": "let",
    "lease_ended": "draft",
}
"""The unit's status after each snapshot event, by its name (``abri.listings.unit.<name>.v1``): for a producer
older than the snapshot's ``status`` field."""


def status_after(snapshot: UnitSnapshot, event_type: str) -> UnitStatusName:
    """The unit's status after the snapshot event ``event_type``: the one it carries, else the one its name implies."""
    return snapshot.status or STATUS_IMPLIED[event_type.split(".")[3]]


@contract
class UnitDeadlineAnnounced(EventContract):
    """A published or let unit can no longer be let from ``deadline`` (no new lease, no renewal): its energy
    class reaches a letting ban then, or its energy diagnosis expires the day before. Announced once per
    deadline, 180 days ahead by default, so that its owner can renovate or order a new diagnosis; on the day
    a published unit goes back to draft."""

    event_type = "abri.listings.unit.deadline_announced.v1"
    aggregate_id_field = "unit_id"
    summary = "A published unit's letting ban or diagnosis expiry is near."
    consumers = ("notifications",)

    unit_id: UUID
    version: int = Field(ge=1)
    owner_id: str = Field(description="Opaque subject of the owner's account.")
    reason: Literal["letting_ban", "dpe_expired"]
    deadline: date = Field(description="First day no lease may be signed for the unit.")
    energy_class: EnergyClass
    overseas: bool
    announced_at: datetime
    postal_code: str | None = Field(default=None, pattern=r"^\d{5}$", description="Postal code of the home, to name it to its owner.")
    commune: str | None = Field(default=None, description="Name of the home's commune, to name it to its owner.")
