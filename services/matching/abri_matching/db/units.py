"""Matching's read model of units, fed only by listings' events (never by calling listings).

One row per unit, holding the snapshot of the newest version seen: an event applies only if it carries
a higher version than the row, so a duplicate or an event arriving late changes nothing. Withdrawn
units keep their row (status ``withdrawn``) so that an older event arriving after the withdrawal cannot
bring them back.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class UnitView(Base):
    """A unit as listings last described it."""

    __tablename__ = "unit_view"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(20))
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    postal_code: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)
    insee_code: Mapped[str | None] = mapped_column(sa.String(5), nullable=True)
    commune: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    departement: Mapped[str | None] = mapped_column(sa.String(3), nullable=True)
    latitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    kind: Mapped[str | None] = mapped_column(sa.String(30), nullable=True)
    rooms: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    living_area_m2: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    floor: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    elevator: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    accessibility: Mapped[list[str]] = mapped_column(ARRAY(sa.String(50)), default=list)
    furnished: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    rent_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    charges_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    energy_class: Mapped[str | None] = mapped_column(sa.String(1), nullable=True)
    schemes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(40)), default=list)
    available_from: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    minimum_duration_months: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    overseas: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    letting_banned_from: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """First day no lease may be signed (loi 2021-1104, art. 160); null: no ban reaches its class, or (with
    ``letting_ban_known`` false) an event older than issue 18 did not say."""
    letting_ban_known: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    """The newest snapshot carried ``letting_banned_from`` (even null): its null then means "no ban", not "unknown"."""
    dpe_valid_until: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    main_energy: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    energy_cost_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    """The home's energy bill a month as listings estimated it from its DPE (null: not estimated)."""
    shared_home: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True), nullable=True)
    """A room's shared home as listings' events carry it (``abri_contracts.listings.SharedHome``); null: a whole home."""
    placement_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (sa.Index("ix_unit_view_open", "departement", postgresql_where=sa.text("status = 'published'")),)
