"""Invitations to link a household's record to its own sign-in account (``domain/invitations.py``).

A row keeps the code's SHA-256, never the code; who created it (a social worker of the household's
association), until when it may be accepted, and once final who accepted it (the household's subject,
as the record's ``account_subject``) or who revoked it. An erasure deletes the household's invitations.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class HouseholdInvitation(Base):
    __tablename__ = "household_invitations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    household_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("households.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    """The SHA-256 of the normalised code, in hex."""
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    """The social worker who revoked it, or who created the newer invitation that replaced it."""

    __table_args__ = (sa.UniqueConstraint("code_hash", name="uq_household_invitations_code_hash"),)
