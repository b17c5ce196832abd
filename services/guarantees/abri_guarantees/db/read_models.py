"""What the guarantees service knows of other services, from their events: units (listings) and
placements waiting for a guarantee (matching). Never typed again by users."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base


class UnitFacts(Base):
    """A unit's facts a policy needs, newest version wins (listings' unit events)."""

    __tablename__ = "unit_facts"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    departement: Mapped[str | None] = mapped_column(sa.String(3), nullable=True)
    rent_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    charges_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    energy_class: Mapped[str | None] = mapped_column(sa.String(1), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PlacementView(Base):
    """A placement that asked for a guarantee (matching's events), and what became of it."""

    __tablename__ = "placements"

    placement_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    status: Mapped[str] = mapped_column(sa.String(20))
    """``awaiting_guarantee``, ``lease_signed`` or ``fell_through``."""
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    lease_signed_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
