"""What the claim endpoints take and give: unpaid months (dates and amounts only), the arithmetic's
result, the fund's steps."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from abri_contracts.inventories import ComparedItem
from abri_guarantees.db.models import Claim
from abri_kit.input import Input

ClaimRejection = Literal["declaration_late", "formal_notice_missing", "not_covered", "amounts_not_proven", "duplicate", "other"]


class MonthIn(Input):
    due_on: date
    due_cents: int = Field(ge=0, le=10_000_000, description="Rent + charges due that month.")
    paid_by_tenant_cents: int = Field(default=0, ge=0, le=10_000_000)
    housing_benefit_cents: int = Field(default=0, ge=0, le=10_000_000, description="Housing benefit paid to the owner that month.")


class ClaimIn(Input):
    months: list[MonthIn] = Field(default_factory=list, max_length=60, description="Unpaid months, one entry per month.")
    formal_notice_on: date | None = Field(default=None, description="When the formal notice (mise en demeure) was sent.")
    damage_cents: int = Field(default=0, ge=0, le=100_000_000, description="Damage found at the end of the tenancy.")

    @model_validator(mode="after")
    def _one_entry_per_month(self) -> ClaimIn:
        if len({(month.due_on.year, month.due_on.month) for month in self.months}) != len(self.months):
            raise ValueError("a month is declared twice")
        if not self.months and not self.damage_cents:
            raise ValueError("declare unpaid months, damage, or both")
        return self


class ClaimOut(BaseModel):
    id: uuid.UUID
    file_id: uuid.UUID
    fund_id: str
    owner_id: str
    status: str
    months: list[MonthIn]
    formal_notice_on: date | None
    declared_on: date
    ground: str
    arrears_cents: int
    rent_payable_cents: int
    damage_cents: int
    damage_payable_cents: int
    payable_cents: int
    late: list[str] = Field(description="Deadlines missed (coded), for the fund to weigh.")
    constituted_on: date | None = Field(
        default=None,
        description="The day the arrears were constituted: the day after the due date that made them so (Visale's count). "
        "Null for damage alone, months continuing an earlier claim, or a claim filed before it was kept.",
    )
    formal_notice_by: date | None = Field(
        default=None, description="The last day to send the formal notice (mise en demeure), from the fund's policy (Visale: 15 days)."
    )
    declare_by: date | None = Field(
        default=None, description="The last day to declare the claim to the fund, from the fund's policy (Visale: 30 days)."
    )
    rejection_reasons: list[str]
    subrogation_receipt: str | None
    paid_cents: int | None
    move_in_inventory_id: uuid.UUID | None = Field(
        default=None, description="A damage claim: the move-in inventory both parties signed (GET /v1/claims/{id}/inventories compares)."
    )
    move_out_inventory_id: uuid.UUID | None = Field(default=None, description="A damage claim: the move-out inventory both parties signed.")


class InventorySide(BaseModel):
    id: uuid.UUID
    made_on: date
    signed_at: datetime
    content_sha256: str = Field(description="The digest both parties signed in matching.")
    keys_handed: int


class ClaimInventoriesOut(BaseModel):
    """A damage claim's two inventories side by side, item by item."""

    claim_id: uuid.UUID
    move_in: InventorySide
    move_out: InventorySide
    worse: int = Field(description="Items found worse or missing at move-out.")
    rows: list[ComparedItem]


class ClaimRejectionIn(Input):
    reasons: list[ClaimRejection] = Field(min_length=1, max_length=6, description="Coded reasons.")


class PaymentIn(Input):
    subrogation_receipt: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._/-]+$", description="The receipt's reference.")


def claim_out(claim: Claim) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        file_id=claim.file_id,
        fund_id=claim.fund_id,
        owner_id=claim.owner_id,
        status=claim.status,
        months=[MonthIn.model_validate(month) for month in claim.months],
        formal_notice_on=claim.formal_notice_on,
        declared_on=claim.declared_on,
        ground=claim.ground,
        arrears_cents=claim.arrears_cents,
        rent_payable_cents=claim.rent_payable_cents,
        damage_cents=claim.damage_cents,
        damage_payable_cents=claim.damage_payable_cents,
        payable_cents=claim.rent_payable_cents + claim.damage_payable_cents,
        late=claim.late,
        constituted_on=claim.constituted_on,
        formal_notice_by=claim.formal_notice_by,
        declare_by=claim.declare_by,
        rejection_reasons=claim.rejection_reasons,
        subrogation_receipt=claim.subrogation_receipt,
        move_in_inventory_id=claim.move_in_inventory_id,
        move_out_inventory_id=claim.move_out_inventory_id,
        paid_cents=claim.paid_cents,
    )
