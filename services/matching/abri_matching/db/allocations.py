"""Batch allocation runs and the suggestions they leave for each association to review."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class AllocationRun(Base):
    """One batch allocation over an area: how big, how good, how long."""

    __tablename__ = "allocation_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    departement: Mapped[str] = mapped_column(sa.String(3))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    households: Mapped[int] = mapped_column(sa.Integer)
    units: Mapped[int] = mapped_column(sa.Integer)
    assigned: Mapped[int] = mapped_column(sa.Integer)
    total_score: Mapped[float] = mapped_column(sa.Float)


class Suggestion(Base):
    """A household of an association suggested for a unit by a run; the association reviews it.
    Dismissing it carries no penalty: nothing reads dismissals to rank anyone."""

    __tablename__ = "suggestions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("allocation_runs.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    unit_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    score: Mapped[float] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(20))
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
