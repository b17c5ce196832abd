"""Visas: the certificate a fund issues on approval (``domain/visa.py``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base


class VisaRecord(Base):
    """A visa: its number (unique), limits and dates. The holder's name is not stored here: public
    verification compares it under the file's data key (``holder_mac``), so erasing the file erases it."""

    __tablename__ = "visas"

    number: Mapped[str] = mapped_column(sa.String(13), primary_key=True)
    file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), unique=True)
    fund_id: Mapped[str] = mapped_column(sa.String(200))
    max_rent_cents: Mapped[int] = mapped_column(sa.Integer)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date] = mapped_column(sa.Date)
    lease_signing_deadline: Mapped[date] = mapped_column(sa.Date)
    revoked_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    lease_not_before: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    """The first day a lease may be signed when later than the issue: the tenant's birthday of age (Visale:
    a request from 17 years and 10 months, the lease from the 18th birthday); wiped with the file's data."""
    holder_mac: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
