"""The listings service's tables: units, owned by the subject of the owner's account (no other
personal data about owners is stored)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from abri_listings.db.base import Base
from abri_listings.domain.energy_cost import ENERGIES

SEARCH_INCLUDED = [
    "position_grid_deg", "id", "available_from", "total_cents", "published_at", "rooms", "living_area_m2",
    "accessibility", "schemes", "insee_code", "departement",
]  # fmt: skip
"""What the search's position index carries besides its keys: every column a search filters or sorts on."""


class Unit(Base):
    """A home offered for solidarity rental."""

    __tablename__ = "units"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    street: Mapped[str] = mapped_column(sa.String(300))
    postal_code: Mapped[str] = mapped_column(sa.String(5))
    commune: Mapped[str] = mapped_column(sa.String(200))
    insee_code: Mapped[str] = mapped_column(sa.String(5), index=True)
    departement: Mapped[str] = mapped_column(sa.String(3), index=True)
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)
    public_latitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    """The position everyone but the owner sees (``domain/position.py``), snapped to the grid of
    ``position_grid_deg``: what the search filters, sorts on and shows. Null only for a row a version
    before it created, until the positions sweeper snaps it (``public_positions.py``); a row such a
    version moved is snapped again by migration 0010's trigger."""
    public_longitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    position_grid_deg: Mapped[float | None] = mapped_column(sa.Float, nullable=True, index=True)
    """The grid the public position was snapped to: a search reads only the rows on the policy's grid."""

    kind: Mapped[str] = mapped_column(sa.String(30))
    rooms: Mapped[int] = mapped_column(sa.Integer)
    living_area_m2: Mapped[float] = mapped_column(sa.Float)
    ceiling_height_m: Mapped[float] = mapped_column(sa.Float)
    floor: Mapped[int] = mapped_column(sa.Integer)
    elevator: Mapped[bool] = mapped_column(sa.Boolean)
    accessibility: Mapped[list[str]] = mapped_column(ARRAY(sa.String(50)), default=list)
    furnished: Mapped[bool] = mapped_column(sa.Boolean)

    rent_cents: Mapped[int] = mapped_column(sa.Integer)
    charges_cents: Mapped[int] = mapped_column(sa.Integer)
    total_cents: Mapped[int] = mapped_column(sa.Integer, sa.Computed("rent_cents + charges_cents", persisted=True))
    deposit_cents: Mapped[int] = mapped_column(sa.Integer)

    energy_class: Mapped[str] = mapped_column(sa.String(1))
    primary_energy_kwh: Mapped[float] = mapped_column(sa.Float)
    emissions_kg: Mapped[float] = mapped_column(sa.Float)
    final_energy_kwh: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    main_energy: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    energy_cost_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    """The estimated energy bill a month (``usecases/energy_costs.py``), stored for the search to show; null
    without a main energy. Written with the unit, and again by the sweeper when the price table changes."""
    energy_prices_since: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The price table ``energy_cost_cents`` was priced with (``ListingsPolicy.energy_prices_since``)."""
    dpe_date: Mapped[date] = mapped_column(sa.Date)

    schemes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(40)))
    available_from: Mapped[date] = mapped_column(sa.Date)
    minimum_duration_months: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    description: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)

    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    placement_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True)
    """The placement (matching service) the unit is reserved for or let to."""
    placement_org_id: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    """The association that carries that placement (from ``placement.accepted``): besides the owner, the
    only one that reads the unit's exact location."""
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    """Why the unit last left the market or was withdrawn (``WithdrawalReason``: ``owner``, ``letting_ban``,
    ``dpe_expired``, ``rules``), as ``unit.withdrawn`` said; null once it is published again, or never."""
    withdrawal_rules: Mapped[list[str] | None] = mapped_column(ARRAY(sa.String(60)), nullable=True)
    """The rules that refused it then (listings' rule ids; empty when its owner withdrew it)."""
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    """When it was."""
    home_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("shared_homes.id", ondelete="RESTRICT"), nullable=True, index=True)
    """The shared home this room belongs to (kind ``room``; null: a whole home, or a room let on its own)."""
    occupants_max: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    """How many people the room takes at most (a room of a shared home)."""
    label: Mapped[str | None] = mapped_column(sa.String(60), nullable=True)
    """The owner's name for the room (a room of a shared home)."""

    host: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True), nullable=True)
    """The host's declaration, for a room offered for intergenerational cohabitation (``api.schemas.HostDeclaration``):
    kept with the unit, never in its events."""

    home: Mapped[SharedHome | None] = relationship(back_populates="rooms", lazy="selectin")

    __table_args__ = (
        sa.Index("ix_units_search_available", "available_from", "id", postgresql_where=sa.text("status = 'published'")),
        sa.Index("ix_units_search_total", "total_cents", "id", postgresql_where=sa.text("status = 'published'")),
        sa.Index("ix_units_search_newest", "published_at", "id", postgresql_where=sa.text("status = 'published'")),
        sa.Index("ix_units_search_position", "latitude", "longitude", postgresql_where=sa.text("status = 'published'")),
        sa.Index(  # every column a search filters or sorts on: a page's units found in the index alone (migration 0011)
            "ix_units_search_covering",
            "public_latitude",
            "public_longitude",
            postgresql_where=sa.text("status = 'published'"),
            postgresql_include=SEARCH_INCLUDED,
        ),
        sa.Index("ix_units_retention", "updated_at", "id", postgresql_where=sa.text("status IN ('draft', 'withdrawn', 'let')")),
        sa.CheckConstraint(sa.column("main_energy").is_(None) | sa.column("main_energy").in_(ENERGIES), name="ck_units_main_energy"),
    )

    __mapper_args__ = {"version_id_col": version}  # optimistic concurrency: a stale write fails


class SharedHome(Base):
    """A home let room by room (loi 89-462, art. 8-1): the facts of the whole home, the shared spaces, the lease
    form and the house rules. Its rooms are units of kind ``room`` whose address, diagnosis and schemes are the
    home's, copied to each room (``usecases/shared_homes.py``); each room is published, reserved and let on its own."""

    __tablename__ = "shared_homes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The home as its owner gave it (``api/shared_home_schemas.HomeDraft``, as JSON)."""
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    rooms: Mapped[list[Unit]] = relationship(back_populates="home", lazy="selectin", order_by="Unit.created_at")

    __mapper_args__ = {"version_id_col": version}


class UnitDeadline(Base):
    """The daily sweep's record of a published unit (``usecases/deadlines.py``): the day it was last checked
    and the deadline (a letting ban, a diagnosis's end) its owner was told about, so that each is told once."""

    __tablename__ = "unit_deadlines"

    unit_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    checked_on: Mapped[date] = mapped_column(sa.Date)
    announced_deadline: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
