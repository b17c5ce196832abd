"""Request and response bodies of the listings API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from abri_contracts.listings import SCHEME_COUNT, EnergyClass, EnergyCostEstimate, LeaseForm, LettingScheme, MainEnergy, WithdrawalReason
from abri_kit.input import Input, Output

UnitKind = Literal["studio", "apartment", "house", "room"]
Accessibility = Literal["step_free_access", "accessible_bathroom", "wide_doors", "ground_floor", "lift_access"]


class Address(Input):
    """Where a home is: the street, and the commune by its INSEE code (the official table decides the rest)."""

    model_config = ConfigDict(extra="forbid")

    street: str = Field(min_length=1, max_length=300)
    postal_code: str = Field(pattern=r"^\d{5}$")
    commune: str | None = Field(default=None, min_length=1, max_length=200, description="Ignored: the name comes from the commune table.")
    insee_code: str = Field(
        pattern=r"^[0-9][0-9AB][0-9]{3}$", description="INSEE code of the commune (the official table decides the rest)."
    )
    departement: str | None = Field(
        default=None, pattern=r"^(\d{2,3}|2A|2B)$", description="Optional: when given, it must be the commune's département."
    )
    latitude: float | None = Field(
        default=None, ge=-90, le=90, description="Optional: near the commune; none given, the commune's position."
    )
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Diagnosis(Input):
    """The home's energy diagnosis (DPE)."""

    model_config = ConfigDict(extra="forbid")

    energy_class: EnergyClass
    primary_energy_kwh: float = Field(ge=0, le=2000)
    emissions_kg: float = Field(ge=0, le=500)
    final_energy_kwh: float | None = Field(default=None, ge=0, le=2000)
    main_energy: MainEnergy | None = Field(
        default=None, description="The energy the DPE names as the home's main one: with it, the unit shows its estimated energy bill."
    )
    dpe_date: date


class Letting(Input):
    """What a unit (or a room) is let for, and from when."""

    model_config = ConfigDict(extra="forbid")

    ceiling_height_m: float = Field(ge=0.5, le=10)  # the decency rule (2.20 m) is checked at publishing, with its reason
    accessibility: list[Accessibility] = Field(default_factory=list, max_length=10)
    furnished: bool
    rent_cents: int = Field(ge=0, le=10_000_00)
    charges_cents: int = Field(ge=0, le=5_000_00)
    deposit_cents: int = Field(ge=0, le=20_000_00)
    available_from: date
    minimum_duration_months: int | None = Field(default=None, ge=1, le=120)
    description: dict[Literal["fr", "en", "ar", "uk"], str] = Field(default_factory=dict)


class HostDeclaration(Input):
    """What the host of an intergenerational cohabitation declares (CCH art. L631-17): being 60 or over, and,
    as a tenant of the home, having informed the landlord beforehand. Kept with the unit, never published."""

    model_config = ConfigDict(extra="forbid")

    aged_60_or_over: bool = Field(description="I am 60 or over.")
    occupancy: Literal["owner", "tenant"] = Field(description="I own the home, or I rent it.")
    landlord_informed_on: date | None = Field(default=None, description="A tenant: the day I informed my landlord (who may not object).")

    @model_validator(mode="after")
    def only_a_tenant_informs_a_landlord(self) -> HostDeclaration:
        if self.occupancy == "owner" and self.landlord_informed_on is not None:
            raise ValueError("a host who owns the home has no landlord to inform: leave landlord_informed_on out")
        return self


class UnitDraft(Letting, Diagnosis, Address):
    """What an owner gives to create (or replace) a unit. Amounts are integer euro cents."""

    model_config = ConfigDict(extra="forbid")

    kind: UnitKind
    rooms: int = Field(ge=1, le=20)
    living_area_m2: float = Field(ge=1, le=1000)
    floor: int = Field(ge=-2, le=60)
    elevator: bool
    schemes: list[LettingScheme] = Field(min_length=1, max_length=SCHEME_COUNT)
    host: HostDeclaration | None = Field(
        default=None, description="For intergenerational cohabitation: the host's declaration (the scheme needs it)."
    )

    @model_validator(mode="after")
    def a_host_only_for_cohabitation(self) -> UnitDraft:
        if self.host is not None and "intergenerational_cohabitation" not in self.schemes:
            raise ValueError("a host's declaration goes only with intergenerational_cohabitation: leave host out")
        return self


class Withdrawal(BaseModel):
    """Why a unit last left the market or was withdrawn, as ``unit.withdrawn`` said it."""

    model_config = ConfigDict(extra="forbid")

    reason: WithdrawalReason = Field(
        description=(
            "owner: its owner withdrew it; letting_ban: a letting ban reached its energy class; dpe_expired: its energy diagnosis "
            "expired; rules: other rules now refuse it (listed in rules). The last three sent it back to its owner as a draft."
        )
    )
    rules: list[str] = Field(description="The rules that refused it (listings' rule ids, as a refusal's errors[].rule); empty: its owner.")
    at: datetime = Field(description="When it left the market or was withdrawn.")


class UnitOut(UnitDraft, Output):
    """A unit as its owner (or ops) sees it."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    commune: str = Field(description="Name of the commune, from the commune table.")
    departement: str = Field(description="Département of the commune, from the commune table.")
    latitude: float
    longitude: float
    overseas: bool = Field(description="The commune is in an overseas département (its own ban calendar).")
    letting_banned_from: date | None = Field(description="First day no new lease may be signed for this home's energy class (null: none).")
    dpe_valid_until: date | None = Field(description="Last day its energy diagnosis is valid (décret 2020-1610).")
    energy_cost: EnergyCostEstimate | None = Field(
        description="Its energy bill a month, estimated from its DPE with the DPE's own prices (null: its main energy or use not given)."
    )
    id: uuid.UUID
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = Field(description="When it was first published (null for a draft never published).")
    home_id: uuid.UUID | None = Field(default=None, description="The shared home this room belongs to (null: none).")
    occupants_max: int | None = Field(default=None, description="How many people a room of a shared home takes at most.")
    label: str | None = Field(default=None, description="The owner's name for a room of a shared home.")
    withdrawal: Withdrawal | None = Field(
        description=(
            "Why it last left the market or was withdrawn (a rule sent it back to draft, or its owner withdrew it); "
            "null once published again, or never withdrawn."
        )
    )


class UnitLocation(BaseModel):
    """Where a unit is, exactly: for its owner, and for the association of the placement the owner accepted."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: uuid.UUID
    street: str
    postal_code: str
    commune: str
    insee_code: str
    latitude: float
    longitude: float


class SearchSharedHome(BaseModel):
    """A room's shared home as a search shows it."""

    lease_form: LeaseForm
    kind: str
    rooms: int
    living_area_m2: float
    spaces: list[dict[str, Any]]
    smoke_free: bool
    quiet_hours: dict[str, str] | None


class SearchHit(BaseModel):
    """A published unit as a search shows it: its non-personal facts (no street, no owner, the position
    snapped to about 200 m)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    postal_code: str
    commune: str
    insee_code: str
    departement: str
    latitude: float
    longitude: float
    kind: str
    rooms: int
    living_area_m2: float
    ceiling_height_m: float
    floor: int
    elevator: bool
    accessibility: list[str]
    furnished: bool
    rent_cents: int
    charges_cents: int
    total_cents: int = Field(description="Rent plus charges, per month, in euro cents.")
    deposit_cents: int
    energy_class: str
    energy_cost_cents: int | None = Field(
        description="The estimated energy bill a month, euro cents, from the DPE and the policy's price table (null: no main energy)."
    )
    schemes: list[str]
    available_from: date
    minimum_duration_months: int | None
    description: dict[str, str]
    published_at: datetime
    distance_km: float | None = Field(default=None, description="Distance from the point searched around, when one was given.")
    home_id: uuid.UUID | None = Field(default=None, description="A room's shared home (null: a whole home).")
    occupants_max: int | None = Field(default=None, description="How many people a room of a shared home takes at most.")
    shared_home: SearchSharedHome | None = Field(default=None, description="A room's shared home: its facts, lease form and house rules.")


class SearchPage(BaseModel):
    """One page of a search; ``next_cursor`` fetches the next (null on the last page)."""

    items: list[SearchHit]
    next_cursor: str | None
