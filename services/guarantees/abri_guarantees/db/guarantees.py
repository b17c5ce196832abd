"""Guarantees (an approved file's visa activated by a signed lease) and unpaid-rent claims on them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base


class GuaranteeRecord(Base):
    """One per approved file whose lease fitted the visa: active through the tenancy, then ended."""

    __tablename__ = "guarantees"

    file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), primary_key=True)
    fund_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    visa_number: Mapped[str] = mapped_column(sa.String(13))
    lease_signed_on: Mapped[date] = mapped_column(sa.Date)
    lease_starts_on: Mapped[date] = mapped_column(sa.Date)
    """The cover begins with the tenancy: rents due from this day."""
    rent_and_charges_cents: Mapped[int] = mapped_column(sa.Integer)
    activated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ended_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)


class Claim(Base):
    """An unpaid-rent claim: the months the owner declared (dates and amounts only), the arithmetic's
    result, and the fund's steps (validated, paid against a subrogation receipt)."""

    __tablename__ = "claims"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("guarantees.file_id", ondelete="CASCADE"), index=True)
    fund_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    """``filed``, ``validated``, ``paid``, or ``rejected`` (then it takes nothing of the caps)."""
    months: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    formal_notice_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    declared_on: Mapped[date] = mapped_column(sa.Date)
    ground: Mapped[str] = mapped_column(sa.String(30))
    arrears_cents: Mapped[int] = mapped_column(sa.Integer)
    rent_payable_cents: Mapped[int] = mapped_column(sa.Integer)
    damage_cents: Mapped[int] = mapped_column(sa.Integer)
    damage_payable_cents: Mapped[int] = mapped_column(sa.Integer)
    late: Mapped[list[str]] = mapped_column(JSONB)
    constituted_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The day the arrears were constituted (the day after the due date that made them so, per the policy);
    None for a claim that constitutes nothing (damage, months continuing a claim) or filed before it was kept."""
    formal_notice_by: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The last day for the formal notice (mise en demeure), counted from the policy's anchor."""
    declare_by: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The last day to declare the claim, counted from the policy's anchor."""
    """Deadlines missed (coded), for the fund to weigh; the claim is recorded all the same."""
    filed_by: Mapped[str] = mapped_column(sa.String(200))
    filed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    validated_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    validated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    paid_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    subrogation_receipt: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    """The reference of the owner's subrogation receipt the payout followed."""
    move_in_inventory_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    move_out_inventory_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    """A damage claim's two inventories (matching's, as signed), which the fund compares side by side."""
    rejection_reasons: Mapped[list[str]] = mapped_column(JSONB, server_default=sa.text("'[]'::jsonb"), default=list)
    rejected_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    rejected_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
