"""Events published by the guarantees service about guarantee files (topic ``abri.guarantees.file``).

Declared here first so that matching can carry a placement through its guarantee step; the guarantees
service (its own issue) publishes them and grows them only with optional fields. No personal data: the
tenant is never named, only the placement and the file.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from abri_contracts.base import EventContract, contract


class GuaranteeDecision(EventContract):
    file_id: UUID
    placement_id: UUID = Field(description="The placement (matching service) the file guarantees.")
    fund_id: str = Field(description="The fund (an organisation) that decided.")
    decided_at: datetime


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
