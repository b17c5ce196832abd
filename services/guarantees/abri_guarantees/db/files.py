"""Guarantee files and their steps (the log of reads of their personal data: ``db/access_log.py``).

The tenant's identity and situation (what the policy needs) are sealed in ``guarantee_files.personal``
with the file's own data key, kept wrapped by a key-encryption key in the key store (``abri_kit.keystore``,
outside the data backups): shredding it erases them everywhere they were stored. Only ids, statuses, the
unit's facts and the coded results of the pre-check are in clear.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base


class GuaranteeFile(Base):
    """A guarantee file an association submits to a fund for a placement."""

    __tablename__ = "guarantee_files"
    __table_args__ = (
        sa.Index("guarantee_files_queue", "fund_id", "status", "review_deadline"),
        sa.Index(
            "guarantee_files_one_open_per_placement",
            "placement_id",
            unique=True,
            postgresql_where=sa.text("status IN ('under_review', 'information_requested', 'resubmitted', 'approved')"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    fund_id: Mapped[str] = mapped_column(sa.ForeignKey("funds.fund_id"), index=True)
    org_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, nullable=True, index=True)
    household_reference: Mapped[str | None] = mapped_column(sa.String(60), nullable=True)
    """The association's own reference for the household (never a name), so that both parties name the
    file alike; erased with the household's data."""
    """The placement's household (pseudonymous, from matching): its consent to ``guarantee_file`` gates the
    file, its erasure erases the file. None for files filed before placements carried it, or once erased."""
    unit_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    status: Mapped[str] = mapped_column(sa.String(30))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    policy_version: Mapped[int] = mapped_column(sa.Integer)
    unit: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The unit's facts when checked (rent, charges, département, energy class)."""
    failures: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    """The pre-check's failed rules, ``{"rule", "message"}`` (no personal data: rules and numbers)."""
    max_rent_cents: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    personal: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    entered_queue_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    review_deadline: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}


class FileStep(Base):
    """One transition of a file: who, when, why (coded reasons; a message sealed with the file's key)."""

    __tablename__ = "file_steps"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True))
    """The order steps were recorded in (several may share a time)."""
    file_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("guarantee_files.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(30))
    from_status: Mapped[str | None] = mapped_column(sa.String(30), nullable=True)
    to_status: Mapped[str] = mapped_column(sa.String(30))
    actor: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(30))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    message: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)

    @classmethod
    def note(cls, file: GuaranteeFile, action: str, *, actor: str, role: str, at: datetime, reasons: list[str]) -> FileStep:
        """A step that leaves the file's status as it is (a visa revoked, a document removed, data erased)."""
        status = file.status
        return cls(file_id=file.id, action=action, from_status=status, to_status=status, actor=actor, role=role, at=at, reasons=reasons)
