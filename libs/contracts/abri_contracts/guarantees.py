"""Events published by the guarantees service: guarantee files (topic ``abri.guarantees.file``), the
guarantees they become (``abri.guarantees.guarantee``) and unpaid-rent claims (``abri.guarantees.claim``).

Declared here first so that matching can carry a placement through its guarantee step; the guarantees
service (its own issue) publishes them and grows them only with optional fields. No personal data: the
tenant is never named, only the placement and the file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from abri_contracts.base import EventContract, contract


class GuaranteeDecision(EventContract):
    file_id: UUID
    placement_id: UUID = Field(description="The placement (matching service) the file guarantees.")
    fund_id: str = Field(description="The fund (an organisation) that decided.")
    decided_at: datetime
    org_id: str | None = Field(default=None, description="Added after v1: the association that filed (producers set it).")
    under_review_since: datetime | None = Field(
        default=None, description="Added after v1: when the file last entered the fund's review (the decision's time counts from it)."
    )
    review_deadline: datetime | None = Field(
        default=None, description="Added after v1: when the fund's answer was due (the review's deadline in force at the decision)."
    )


@contract
class GuaranteeApproved(GuaranteeDecision):
    """The fund approved the guarantee file (a visa with its number and limits is issued)."""

    event_type = "abri.guarantees.file.approved.v1"
    aggregate_id_field = "file_id"
    summary = "A guarantee file is approved."
    consumers = ("matching", "notifications", "assistant", "insights")

    max_rent_cents: int = Field(ge=0, description="The highest rent plus charges the guarantee covers, per month.")
    valid_until: date


@contract
class GuaranteeRejected(GuaranteeDecision):
    """The fund rejected the guarantee file, with coded reasons."""

    event_type = "abri.guarantees.file.rejected.v1"
    aggregate_id_field = "file_id"
    summary = "A guarantee file is rejected."
    consumers = ("matching", "notifications", "assistant", "insights")

    reasons: list[str] = Field(description="Coded reasons (the fund policy's rule names).")


class FileEvent(EventContract):
    """What the events of a file's review name."""

    file_id: UUID
    placement_id: UUID = Field(description="The placement (matching service) the file guarantees.")
    fund_id: str = Field(description="The fund the file is addressed to.")
    org_id: str = Field(description="The association that filed it.")


@contract
class GuaranteeFileSubmitted(FileEvent):
    """An association submitted (or resubmitted) a file; the pre-check answered at once."""

    event_type = "abri.guarantees.file.submitted.v1"
    aggregate_id_field = "file_id"
    summary = "A guarantee file is submitted and pre-checked."
    consumers = ("notifications", "assistant")

    submitted_at: datetime
    resubmission: bool = False
    outcome: Literal["under_review", "ineligible"]
    failed_rules: list[str] = Field(default_factory=list, description="Coded rules the pre-check failed (no personal data).")
    review_deadline: datetime | None = Field(default=None, description="When the fund's answer is due (under review).")


@contract
class GuaranteeInformationRequested(FileEvent):
    """The fund asks the association for more information (the message stays in the service, sealed)."""

    event_type = "abri.guarantees.file.information_requested.v1"
    aggregate_id_field = "file_id"
    summary = "A fund asks for more information on a guarantee file."
    consumers = ("notifications", "assistant")

    requested_at: datetime


@contract
class GuaranteeVisaRevoked(FileEvent):
    """The visa of an approved file no longer guarantees anything: the fund revoked it, or its placement
    ended before a lease. Its public check now answers revoked."""

    event_type = "abri.guarantees.file.visa_revoked.v1"
    aggregate_id_field = "file_id"
    summary = "A visa is revoked."
    consumers = ("notifications", "assistant")

    revoked_at: datetime
    reason: Literal["fraud", "error", "file_withdrawn", "placement_ended", "other"]


class GuaranteeEvent(EventContract):
    """What the events of an approved file's guarantee name (one guarantee per file: keyed by the file)."""

    file_id: UUID
    placement_id: UUID
    fund_id: str
    org_id: str = Field(description="The association that filed.")
    owner_id: str = Field(description="Opaque subject of the unit's owner (the beneficiary of the guarantee).")


@contract
class GuaranteeActivated(GuaranteeEvent):
    """The lease was signed within the visa's deadline at a rent not above its maximum: the guarantee runs."""

    event_type = "abri.guarantees.guarantee.activated.v1"
    aggregate_id_field = "file_id"
    summary = "A guarantee is activated by a signed lease."
    consumers = ("notifications", "insights")

    activated_at: datetime
    lease_signed_on: date
    rent_and_charges_cents: int = Field(ge=0, description="The lease's monthly rent + charges, the base of the caps.")


@contract
class GuaranteeActivationRefused(GuaranteeEvent):
    """The lease does not fit the visa (signed too late, rent above the maximum, visa expired or revoked)."""

    event_type = "abri.guarantees.guarantee.activation_refused.v1"
    aggregate_id_field = "file_id"
    summary = "A signed lease does not activate the guarantee."
    consumers = ("matching", "notifications")

    refused_at: datetime
    reason: Literal[
        "visa_revoked",
        "visa_expired",
        "lease_signed_before_visa",
        "lease_signed_before_majority",
        "lease_signed_after_deadline",
        "rent_above_visa_max",
        "documents_missing",
    ]


@contract
class GuaranteeEnded(GuaranteeEvent):
    """The tenancy ended: the guarantee stops covering rents due after ``ended_on``."""

    event_type = "abri.guarantees.guarantee.ended.v1"
    aggregate_id_field = "file_id"
    summary = "A guarantee ends with the tenancy."
    consumers = ("notifications",)

    ended_on: date


class ClaimEvent(EventContract):
    """What the events of an unpaid-rent claim name (amounts only: no tenant, no situation)."""

    claim_id: UUID
    file_id: UUID
    fund_id: str
    owner_id: str


@contract
class ClaimFiled(ClaimEvent):
    """The owner declared unpaid rent and the claim is constituted."""

    event_type = "abri.guarantees.claim.filed.v1"
    aggregate_id_field = "claim_id"
    summary = "An owner files an unpaid-rent claim."
    consumers = ("notifications", "insights")

    filed_at: datetime
    arrears_cents: int = Field(ge=0)
    payable_cents: int = Field(ge=0, description="What the caps leave payable for this claim.")


@contract
class ClaimValidated(ClaimEvent):
    """The fund validated the claim (the payout follows the owner's subrogation receipt)."""

    event_type = "abri.guarantees.claim.validated.v1"
    aggregate_id_field = "claim_id"
    summary = "A fund validates an unpaid-rent claim."
    consumers = ("notifications",)

    validated_at: datetime
    payable_cents: int = Field(ge=0)


@contract
class ClaimPaid(ClaimEvent):
    """The fund paid the claim against the owner's subrogation receipt."""

    event_type = "abri.guarantees.claim.paid.v1"
    aggregate_id_field = "claim_id"
    summary = "A fund pays an unpaid-rent claim."
    consumers = ("notifications",)

    paid_at: datetime
    amount_cents: int = Field(ge=0)


@contract
class ClaimRejected(ClaimEvent):
    """The fund rejected the claim with coded reasons; it takes nothing of the caps."""

    event_type = "abri.guarantees.claim.rejected.v1"
    aggregate_id_field = "claim_id"
    summary = "A fund rejects an unpaid-rent claim."
    consumers = ("notifications",)

    rejected_at: datetime
    reasons: list[Literal["declaration_late", "formal_notice_missing", "not_covered", "amounts_not_proven", "duplicate", "other"]]
