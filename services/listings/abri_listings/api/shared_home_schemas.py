"""Request and response bodies of shared homes (a home let room by room) and their rooms."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from abri_contracts.listings import SCHEME_COUNT, LeaseForm, LettingScheme, SpaceKind
from abri_kit.input import Input, Output, refuse
from abri_listings.api.schemas import Address, Diagnosis, Letting, UnitOut

TIME = r"^([01]\d|2[0-3]):[0-5]\d$"


class Space(Input):
    """A space the home's occupants share."""

    model_config = ConfigDict(extra="forbid")

    kind: SpaceKind
    area_m2: float = Field(ge=0.5, le=500)


class QuietHours(Input):
    """Quiet hours, local time (``until`` may be the next morning: 22:00 to 07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: str = Field(pattern=TIME)
    until: str = Field(pattern=TIME)


class HomeDraft(Diagnosis, Address):
    """What an owner gives to create (or replace) a shared home: the whole home, its shared spaces, the lease form
    its rooms are let under, and its house rules. Its rooms are added one by one (``RoomDraft``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["apartment", "house"]
    rooms: int = Field(ge=2, le=20, description="Main rooms of the whole home (its living room included).")
    living_area_m2: float = Field(ge=9, le=1000, description="Living area of the whole home.")
    floor: int = Field(ge=-2, le=60)
    elevator: bool
    schemes: list[LettingScheme] = Field(min_length=1, max_length=SCHEME_COUNT)
    lease_form: LeaseForm = Field(
        description="individual: a lease per occupant (each room at least 9 m² and 20 m³); shared: one lease all co-tenants sign."
    )
    spaces: list[Space] = Field(
        default_factory=list, max_length=20, description="The shared spaces (a kitchen, a bathroom and a WC at least)."
    )
    smoke_free: bool = Field(description="No smoking anywhere in the home.")
    quiet_hours: QuietHours | None = Field(default=None, description="The home's quiet hours, if it states some.")

    @field_validator("spaces")
    @classmethod
    def _one_of_each_kind(cls, spaces: list[Space]) -> list[Space]:
        kinds = [space.kind for space in spaces]
        if len(set(kinds)) != len(kinds):
            raise refuse("duplicate_space", "one entry per kind of space: give two bathrooms as one area")
        return spaces


class RoomDraft(Letting):
    """What an owner gives to add (or replace) a room of a shared home; the address, diagnosis and schemes are
    the home's."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, min_length=1, max_length=60, description='A name for the room ("Room 2").')
    living_area_m2: float = Field(ge=1, le=200, description="The room's own area.")
    occupants_max: int = Field(default=1, ge=1, le=4, description="How many people the room takes at most.")


class HomeOut(HomeDraft, Output):
    """A shared home as its owner sees it, with its rooms."""

    model_config = ConfigDict(extra="ignore")

    commune: str
    departement: str
    latitude: float
    longitude: float
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    room_units: list[UnitOut] = Field(description="Its rooms (each a unit of kind room), oldest first.")
