"""Erasure requests of households and each service's receipt (``usecases/erasure.py``).

One request per household (a repeat answers the first): who asked (the household, its association, the
DPO through ops; a DPO request's reference), when matching erased its own copies, and per service when
it answered and what it kept because the law requires it. No personal data.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class HouseholdErasure(Base):
    __tablename__ = "household_erasures"

    request_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("households.id", ondelete="CASCADE"), unique=True)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    requested_by: Mapped[str] = mapped_column(sa.String(20))
    """``household``, ``association``, ``dpo`` or ``retention``."""
    requester: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    """The staff member who made the request (a social worker's or ops' subject; the sweeper's for
    ``retention``); empty when the household asked itself: its own subject would point to the person."""
    dpo_reference: Mapped[str | None] = mapped_column(sa.String(60), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    erased_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    """When matching erased its own copies (at the request: in the same transaction)."""
    awaited: Mapped[list[str] | None] = mapped_column(ARRAY(sa.String(40)), nullable=True)
    """The services whose receipt the request awaits, as they were when it was made (a service added later never
    received it); None for the requests made before the list was kept: the four services of then."""


class ErasureReceipt(Base):
    """A service's answer to an erasure request."""

    __tablename__ = "household_erasure_receipts"

    request_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("household_erasures.request_id", ondelete="CASCADE"), primary_key=True)
    service: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    kept: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    """``{what, legal_basis, until}`` of what the service keeps, pseudonymised."""
