"""The log of reads of guarantee files' personal data (``abri_kit.access_log``: a keyed MAC chain,
append-only in the database) and its anchors (the chain's heads published outside it, and the start
after a prune)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base

ACCESS_LOG_TABLE = "personal_data_access_log"
ANCHORS_TABLE = "personal_data_access_log_anchors"


class FileAccessLogEntry(Base):
    """One read of a file's personal data: who (subject, role, organisation), when, which file, why (a
    coded purpose, ``domain/access.py``); a keyed chain, as in matching."""

    __tablename__ = ACCESS_LOG_TABLE
    __table_args__ = (sa.Index(f"uq_{ACCESS_LOG_TABLE}_position", "position", unique=True),)

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    position: Mapped[int] = mapped_column(sa.BigInteger)
    """The entry's place in the chain, 1 for the first entry ever (a prune does not renumber)."""
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_role: Mapped[str | None] = mapped_column(sa.String(30), nullable=True)
    """The reader's role (``fund_agent``, ``social_worker``, ``household``...); None for entries from before it was kept."""
    actor_org: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    file_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    key_id: Mapped[str] = mapped_column(sa.String(50))
    previous_mac: Mapped[str] = mapped_column(sa.String(64))
    mac: Mapped[str] = mapped_column(sa.String(64))


class FileAccessLogAnchor(Base):
    """A point of the chain recorded outside the entries: a ``head`` (also published as an event) or the
    last entry a retention ``prune`` removed (the chain's new start). Append-only too."""

    __tablename__ = ANCHORS_TABLE
    __table_args__ = (
        sa.CheckConstraint("kind IN ('head', 'prune')", name=f"ck_{ANCHORS_TABLE}_kind"),
        sa.Index(f"ix_{ANCHORS_TABLE}_kind_position", "kind", "position"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    position: Mapped[int] = mapped_column(sa.BigInteger)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    mac: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(sa.String(50))
    anchored_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
