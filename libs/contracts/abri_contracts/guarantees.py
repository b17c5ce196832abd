"""Events published by the guarantees service about guarantee files (topic ``abri.guarantees.file``).

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


@contract
class GuaranteeApproved(GuaranteeDecision):
    """The fund approved the guarantee file (a visa with its number and limits is issued)."""

    event_type = "abri.guarantees.file.approved.v1"
    aggregate_id_field = "file_id"
    summary = "A guarantee file is approved."
    consumers = ("matching", "notifications")

    max_rent_cents: int = Field(ge=0, description="The highest rent plus charges the guarantee covers, per month.")
    valid_until: date


@contract
class GuaranteeRejected(GuaranteeDecision):
    """The fund rejected the guarantee file, with coded reasons."""

    event_type = "abri.guarantees.file.rejected.v1"
    aggregate_id_field = "file_id"
    summary = "A guarantee file is rejected."
    consumers = ("matching", "notifications")

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
    consumers = ("notifications",)

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
    consumers = ("notifications",)

    requested_at: datetime
