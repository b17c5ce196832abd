"""What the guarantees service knows of other services, from their events: units (listings),
placements waiting for a guarantee and households' purposes in force (matching). Never typed again by
users. The erasures this service carried out (``usecases/erasure.py``) are kept here too."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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
    postal_code: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)
    insee_code: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)
    rooms: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    living_area_m2: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    """Where the home is and what it is (migration 0013), for the pages to name a file's home."""
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PlacementView(Base):
    """A placement that asked for a guarantee (matching's events), and what became of it."""

    __tablename__ = "placements"

    placement_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    household_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True, index=True)
    """The placement's household (a pseudonymous id from matching); None for placements announced before
    matching's events carried it."""
    status: Mapped[str] = mapped_column(sa.String(20))
    """``awaiting_guarantee``, ``lease_signed`` or ``fell_through``."""
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    lease_signed_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class HouseholdView(Base):
    """A household's purposes in force, as matching's ``household.consents_changed`` last said (the newest
    ``changed_at`` wins); emptied when the household is erased."""

    __tablename__ = "households"

    household_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[str] = mapped_column(sa.String(200))
    account_subject: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    purposes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(40)))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class HouseholdErasureDone(Base):
    """An erasure request this service carried out, and what it kept (its receipt, sent once)."""

    __tablename__ = "household_erasures"

    request_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    completed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    files: Mapped[int] = mapped_column(sa.Integer)
    kept: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)


class InventoryView(Base):
    """A move-in or move-out inventory both parties signed (matching's ``placement.inventory_signed``): rooms,
    items and conditions only (no note, no photo, no person), kept for the damage claims on the placement's
    guarantee. One of each kind per placement; an inventory signed again (a replay) changes nothing."""

    __tablename__ = "inventories"

    inventory_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    made_on: Mapped[date] = mapped_column(sa.Date)
    signed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    rooms: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    keys_handed: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (sa.UniqueConstraint("placement_id", "kind", name="uq_guarantee_inventories_one_kind_per_placement"),)
