"""Households, their sealed personal data and consents (the log of reads: ``db/access_log.py``).

What ranking needs is stored in clear (composition, resources, needs, wanted places, priority level);
identity, contact and the priority situations themselves are sealed (``abri_kit.envelope``, namespace
``household``) in ``households.personal``, openable only with the household's data key, kept wrapped in
the key store (``abri_kit.keystore``, outside the data backups).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class Household(Base):
    """A household an association supports (pseudonymous: ``reference`` is the association's own code)."""

    __tablename__ = "households"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    reference: Mapped[str] = mapped_column(sa.String(60))
    account_subject: Mapped[str | None] = mapped_column(sa.String(200), nullable=True, index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    adults: Mapped[int] = mapped_column(sa.Integer)
    children: Mapped[int] = mapped_column(sa.Integer)
    resources_cents: Mapped[int] = mapped_column(sa.Integer)
    housing_benefit_cents: Mapped[int] = mapped_column(sa.Integer)
    needs_step_free: Mapped[bool] = mapped_column(sa.Boolean)
    needs_ground_floor: Mapped[bool] = mapped_column(sa.Boolean)
    needs_smoke_free: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    """A stated constraint: a room offered must be in a smoke-free shared home."""
    needs_quiet_hours: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    """A stated constraint: a room offered must be in a shared home with quiet hours."""
    cohabitation_until: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """For intergenerational cohabitation: the young person's last day under the scheme's age (CCH art. L631-17),
    from the birth date the association gave (never kept in clear); null: not sought. Feeds only the rule
    ``cohabitation_age``; emptied by the household's erasure."""
    min_bedrooms: Mapped[int] = mapped_column(sa.Integer)
    wanted_communes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(5)))
    wanted_latitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    wanted_longitude: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    wanted_radius_km: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    priority_level: Mapped[int] = mapped_column(sa.Integer)
    registered_since: Mapped[date] = mapped_column(sa.Date)

    purposes_in_force: Mapped[list[str]] = mapped_column(ARRAY(sa.String(40)), server_default="{}", default=list)
    """What the household's data may be processed for now (``domain/consents.py``), kept by every change of
    its consents or legal basis (``usecases/consent_gate.py``); ranking reads it in SQL."""
    legal_basis: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    """A legal basis that stands in for a consent (``siao_orientation``), recorded by ``legal_basis_recorded_by``."""
    legal_basis_recorded_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    legal_basis_recorded_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)

    personal: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    """Identity, contact and priority situations, sealed with the household's data key."""
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)

    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (sa.UniqueConstraint("org_id", "reference", name="uq_households_org_reference"),)
    __mapper_args__ = {"version_id_col": version}


class Consent(Base):
    """What a household consented to, when, recorded by whom, under which version of the notice."""

    __tablename__ = "consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    household_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("households.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(60))
    notice_version: Mapped[str] = mapped_column(sa.String(30))
    consented_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
