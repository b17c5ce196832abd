"""Placements (the journey's persisted state) and their steps (who, when, why: coded reasons only)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base

ACTIVE_STATUSES = ("proposed", "accepted", "awaiting_guarantee", "guaranteed")


class Placement(Base):
    """One household carried towards one unit. At most one active placement per unit (a unique partial
    index), so that two associations proposing at the same moment cannot both win."""

    __tablename__ = "placements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("households.id"), index=True)
    departement: Mapped[str | None] = mapped_column(sa.String(3), nullable=True)
    """The unit's département at the proposal (its events carry it, for the counts of insights); None before it was kept."""
    unit_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    scheme: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(30))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    guarantee_required: Mapped[bool] = mapped_column(sa.Boolean)
    proposed_by: Mapped[str] = mapped_column(sa.String(200))
    proposed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    answer_by: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    lease_type: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    lease_signed_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    lease_starts_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    lease_under_mandate: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    lease_ends_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    head_lease_ends_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The end of the owner's lease to the association (sub-let and sliding leases)."""
    agreement_services: Mapped[list[str] | None] = mapped_column(JSONB(none_as_null=True), nullable=True)
    """A cohabitation contract's small services, as its parties agreed them (null: not a cohabitation contract)."""
    agreement_monthly_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    """A cohabitation contract's monthly counterpart, charges included, as recorded with it (the listing may change)."""
    lease_term_ends_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The last day of the owner's lease's current term (the direct lease's, or the head lease's), moved by each renewal."""
    lease_renewals: Mapped[list[date]] = mapped_column(ARRAY(sa.Date), default=list, server_default="{}")
    """The first day of each renewed or tacitly continued term, in order."""
    next_review_by: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    slide_agreed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    """When the owner agreed to the slide (after a review found the household ready); reset by a later review."""
    review_due_alerted_for: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The review date ``sliding_lease.review_due`` was published for (once per date, whichever replica sweeps)."""
    review_overdue_alerted_for: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    ready_to_slide: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    lease_ended_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The day the signed lease ended, once the association recorded it (``domain/placements.py``, ``END_LEASE``)."""
    lease_end_reason: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)

    __table_args__ = (
        sa.Index(
            "uq_placements_one_active_per_unit",
            "unit_id",
            unique=True,
            postgresql_where=sa.text("status IN ('proposed', 'accepted', 'awaiting_guarantee', 'guaranteed')"),
        ),
        sa.Index(
            "ix_placements_sliding_reviews",
            "next_review_by",
            postgresql_where=sa.text("status = 'lease_signed' AND lease_type = 'sliding' AND next_review_by IS NOT NULL"),
        ),
    )
    __mapper_args__ = {"version_id_col": version}


class PlacementStep(Base):
    """One move of a placement: who made it, when, from where to where, and the coded reason."""

    __tablename__ = "placement_steps"

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(sa.String(30))
    from_status: Mapped[str | None] = mapped_column(sa.String(30), nullable=True)
    to_status: Mapped[str] = mapped_column(sa.String(30))
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_role: Mapped[str] = mapped_column(sa.String(30))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    parties: Mapped[list[str] | None] = mapped_column(ARRAY(sa.String(20)), nullable=True)
    """Who took part (a sliding lease's joint review: association, household, owner)."""
