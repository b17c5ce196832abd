"""What the file endpoints take and give. The tenant's data come in, sealed at once; they go out only
through ``GET /v1/files/{id}/tenant`` (logged)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field

from abri_guarantees.domain.workflow import NOTE_MAX_CHARS, FileStatus, MissingDocumentsReason
from abri_kit.input import Input


class TenantIn(Input):
    """The tenant's identity and the situation the fund's policy needs (sealed with the file's key)."""

    first_names: str = Field(min_length=1, max_length=120)
    last_name: str = Field(min_length=1, max_length=120)
    birth_date: date
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .-]{6,20}$")
    student: bool = False
    hired_or_transferred_on: date | None = None
    net_monthly_pay_cents: int | None = Field(default=None, ge=0, le=100_000_000)
    job_promise_on: date | None = Field(default=None, description="The day of a job promise (promesse d'embauche), if there is one.")
    job_starts_on: date | None = Field(
        default=None, description="The day the promised job starts (its date de prise de fonction): a job promise counts only with it."
    )
    bail_mobilite: bool = False
    intermediated_letting: bool = Field(
        default=False, description="The household is housed through an intermediary association (intermédiation locative)."
    )
    close_family_to_landlord: bool = Field(default=False, description="The landlord is a close relative of the tenant.")
    resources_cents: int = Field(ge=0, le=100_000_000, description="The household's monthly resources.")
    housing_benefit_cents: int = Field(default=0, ge=0, le=10_000_000, description="Expected monthly housing benefit.")

    def full_name(self) -> str:
        return f"{self.first_names} {self.last_name}"


class FileIn(Input):
    placement_id: uuid.UUID
    fund_id: str = Field(min_length=2, max_length=200)
    tenant: TenantIn
    household_reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9_.-]+$",  # matching's pattern for the reference: a code, never a person's name
        description="The association's own reference for the household (as matching records it; never a name): "
        "the fund's pages title the file with it.",
    )


class ResubmissionIn(Input):
    tenant: TenantIn


class InformationRequestIn(Input):
    message: str = Field(min_length=1, max_length=2000, description="What the fund needs (sealed; never in events).")


class RejectionIn(Input):
    reasons: list[str] = Field(min_length=1, max_length=10, description="Coded reasons (domain/workflow.py REJECTION_REASONS).")


class MissingDocumentsIn(Input):
    """Why a file lacking documents the fund requires is approved all the same (recorded in its timeline;
    the note sealed, as messages are)."""

    reason: MissingDocumentsReason
    note: str = Field(min_length=1, max_length=NOTE_MAX_CHARS, description="Why, in a sentence or two.")


class ApprovalIn(Input):
    missing_documents: MissingDocumentsIn | None = Field(
        default=None, description="Required when the file lacks a category of documents the fund requires (GET .../checklist)."
    )


class FailureOut(BaseModel):
    """A rule of the fund the file fails: its code, its numbers (``params``, from which a page writes it in
    its reader's language), where it comes from (``source``) and the same in English (``message``). Files
    pre-checked before the numbers were kept have none."""

    rule: str
    fields: list[str] = Field(
        default_factory=list, description="What the rule turns on: a tenant's field (`body.tenant.job_starts_on`), or `body.tenant`."
    )
    message: str
    params: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    source: str = ""
    source_url: str | None = Field(default=None, description="Where to read the condition (the fund's page, the law).")
    source_citation: str = Field(
        default="",
        description="The reference of the text alone (a French proper name, said as it is in any language); empty: no law.",
    )
    source_note: str | None = Field(
        default=None, description="The stable code of what the source adds in words (a page translates it; `source` says it in English)."
    )


class StepOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    actor: str
    role: str
    at: datetime
    reasons: list[str]
    message: str | None = None


class AccessLogOut(BaseModel):
    """One read of a file's personal data: who (subject, role, organisation), when, why."""

    id: str = Field(description="The entry's MAC in the access log's chain (it names the entry, and counts nothing).")
    at: datetime
    actor: str = Field(description="The reader's subject (an opaque id).")
    actor_role: str | None = Field(
        description="The role the reader read in (`fund_agent`, `social_worker`, `household`); null for reads logged before roles were."
    )
    actor_org: str | None = Field(description="The reader's organisation (the fund, the association), if any.")
    purpose: str = Field(description="Why: a coded purpose (FileReadPurpose); reads logged before the list was coded keep their words.")


class VisaOut(BaseModel):
    number: str
    max_rent_cents: int
    issued_on: date
    valid_until: date
    lease_signing_deadline: date
    lease_not_before: date | None = Field(
        default=None,
        description="The first day a lease may be signed, when later than the issue: the tenant's birthday of age "
        "(Visale: a request from 17 years and 10 months, the lease from the 18th birthday).",
    )


class FileOut(BaseModel):
    id: uuid.UUID
    fund_id: str
    org_id: str
    placement_id: uuid.UUID
    unit_id: uuid.UUID
    household_reference: str | None = Field(default=None, description="The association's reference for the household, if it gave one.")
    status: FileStatus
    policy_version: int
    unit: dict[str, Any] = Field(
        description="The unit's facts as filed: rent_cents, charges_cents, departement, energy_class; and, for files filed "
        "since migration 0013, postal_code, insee_code (the commune), rooms, living_area_m2."
    )
    failures: list[FailureOut]
    reasons: list[str]
    entered_queue_at: datetime | None
    review_deadline: datetime | None
    overdue: bool
    decided_at: datetime | None
    visa: VisaOut | None = None
    steps: list[StepOut] = Field(default_factory=list)
