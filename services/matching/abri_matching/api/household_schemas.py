"""Request and response bodies of the households API. Amounts are integer euro cents.

Personal data (identity, contact, priority situations) come in with :class:`HouseholdIn` and go out
only through the logged read of ``/personal-data``: never in :class:`HouseholdOut`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from abri_kit.input import Input, Output
from abri_matching.domain.households import PRIORITY_SITUATIONS, AccessPurpose

PrioritySituation = Literal[PRIORITY_SITUATIONS]  # type: ignore[valid-type]


class Identity(Input):
    """Who the household's reference person is, and how to reach them. Every field optional."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    birth_date: date | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .-]{6,20}$")
    email: EmailStr | None = None


class Needs(Input):
    model_config = ConfigDict(extra="forbid")

    step_free_access: bool = False
    ground_floor: bool = False
    min_bedrooms: int = Field(default=0, ge=0, le=10)
    smoke_free: bool = Field(default=False, description="A room in a shared home only if the home is smoke-free (a stated constraint).")
    quiet_hours: bool = Field(default=False, description="A room in a shared home only if the home has quiet hours (a stated constraint).")


class Point(Input):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_km: float = Field(ge=0.1, le=200)  # 100 m at least: a vanishing radius broke batch allocation


class Wanted(Input):
    """Where the household wants to live: communes (INSEE codes), or a radius around a point (a
    workplace, a school); at least one of the two."""

    model_config = ConfigDict(extra="forbid")

    communes: list[str] = Field(default_factory=list, max_length=50)
    around: Point | None = None

    @model_validator(mode="after")
    def _something(self) -> Wanted:
        if not self.communes and self.around is None:
            raise ValueError("name communes or a point with a radius")
        return self


class ConsentIn(Input):
    """A consent the household gave, as the social worker records it."""

    model_config = ConfigDict(extra="forbid")

    purpose: Literal["matching", "share_with_owner_after_acceptance", "guarantee_file", "notifications"]
    notice_version: str = Field(min_length=1, max_length=30, description="Version of the privacy notice shown.")
    consented_at: datetime


class CohabitationIn(Input):
    """A young person seeking an intergenerational cohabitation (CCH art. L631-17: under 30, one person): their
    birth date, from which matching keeps only their last day under the scheme's age."""

    model_config = ConfigDict(extra="forbid")

    birth_date: date = Field(description="Not kept: matching keeps the last day the person is under the scheme's age (30).")


class CohabitationOut(BaseModel):
    until: date = Field(description="The young person's last day under the scheme's age: a stay must begin by then.")


class HouseholdIn(Input):
    """What a social worker records to register (or replace) a household."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$", description="The association's own code.")
    adults: int = Field(ge=1, le=10)
    children: int = Field(ge=0, le=15)
    resources_cents: int = Field(ge=0, le=100_000_00, description="Monthly resources.")
    housing_benefit_cents: int = Field(ge=0, le=5_000_00, description="Expected monthly housing benefit.")
    needs: Needs = Field(default_factory=Needs)
    wanted: Wanted
    registered_since: date
    account_subject: str | None = Field(
        default=None,
        max_length=200,
        description=(
            "Leave it out: only an invitation the person accepts signed in links its account (POST /v1/households/{id}/invitations)."
            " A registration with one, or a replacement with another than the record's, is refused (422 `account_link_by_invitation`);"
            " a replacement without it keeps the link."
        ),
    )
    identity: Identity = Field(default_factory=Identity)
    priority_situations: list[PrioritySituation] = Field(default_factory=list, max_length=10)
    cohabitation: CohabitationIn | None = Field(
        default=None, description="For a young person seeking an intergenerational cohabitation (a host of 60 or over lets a room)."
    )


class LegalBasisIn(Input):
    """A legal basis that stands in for the consent to matching, as the social worker records it (by whom
    and when: the caller, now)."""

    model_config = ConfigDict(extra="forbid")

    basis: Literal["siao_orientation"] = Field(description="An orientation of the household by the SIAO.")


class HouseholdCreate(HouseholdIn):
    consent: ConsentIn | None = Field(default=None, description="A consent recorded at registration (usually to matching).")
    consents: list[ConsentIn] = Field(default_factory=list, max_length=4, description="More consents recorded at registration.")
    legal_basis: LegalBasisIn | None = Field(
        default=None, description="A legal basis standing in for the consent to matching (an SIAO orientation)."
    )

    def all_consents(self) -> list[ConsentIn]:
        return [*([self.consent] if self.consent is not None else []), *self.consents]


class ErasureIn(Input):
    """An erasure request; ops give the reference of the request made to the data protection officer."""

    model_config = ConfigDict(extra="forbid")

    dpo_reference: str | None = Field(
        default=None, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_./-]+$", description="The DPO's request reference (ops only)."
    )


class KeptOut(BaseModel):
    what: str
    legal_basis: str
    until: date | None = None


class ServiceErasureOut(BaseModel):
    service: str
    state: Literal["pending", "completed"]
    completed_at: datetime | None = None
    kept: list[KeptOut] = Field(default_factory=list, description="What the law requires the service to keep, pseudonymised, and why.")


class ErasureOut(BaseModel):
    """An erasure request and where it is in each service."""

    request_id: uuid.UUID
    household_id: uuid.UUID
    requested_by: Literal["household", "association", "dpo", "retention"]
    requested_at: datetime
    state: Literal["pending", "completed"]
    services: list[ServiceErasureOut]


class ConsentOut(ConsentIn, Output):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    recorded_by: str
    withdrawn_at: datetime | None


class HouseholdOut(BaseModel):
    """A household without its personal data."""

    id: uuid.UUID
    reference: str
    status: str
    version: int
    adults: int
    children: int
    resources_cents: int
    housing_benefit_cents: int
    needs: Needs
    wanted: Wanted
    priority_level: int = Field(description="0 none, 1 an L441-1 priority group, 2 a DALO decision (the situations stay sealed).")
    registered_since: date
    erased: bool
    cohabitation: CohabitationOut | None = Field(default=None, description="Seeks an intergenerational cohabitation (null: no).")
    purposes_in_force: list[str] = Field(
        default_factory=list, description="What the household's data may be processed for now (a consent not withdrawn, or a legal basis)."
    )
    legal_basis: str | None = Field(default=None, description="A legal basis recorded with the household (siao_orientation).")
    account_subject: str | None = Field(
        default=None,
        description=(
            "The household's own sign-in subject, once the person accepted an invitation (an opaque id; a replacing PUT keeps it,"
            " DELETE /v1/households/{id}/account unlinks it)."
        ),
    )


class PersonalDataOut(BaseModel):
    """A logged read of a household's personal data."""

    household_id: uuid.UUID
    purpose: AccessPurpose
    identity: Identity
    priority_situations: list[str]


class AccessLogOut(BaseModel):
    """One read of a household's personal data: who (subject, role, organisation), when, why."""

    id: str = Field(description="The entry's MAC in the access log's chain (it names the entry, and counts nothing).")
    at: datetime
    actor: str = Field(description="The reader's subject (an opaque id).")
    actor_role: str | None = Field(
        description=(
            "The role the reader read in (`social_worker`, `household`, `owner`, `fund_agent`, `ops`); "
            "null for reads logged before roles were."
        )
    )
    actor_org: str | None = Field(description="The reader's organisation (association or fund), if any.")
    purpose: str = Field(description="Why (a coded purpose: AccessPurpose).")
