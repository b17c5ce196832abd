"""The log of reads of households' personal data (``abri_kit.access_log``: a keyed MAC chain, append-only
in the database) and its anchors (the chain's heads published outside it, and the start after a prune)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, synonym

from abri_kit.access_log import AnchorColumns, EntryColumns, table_args_v1
from abri_matching.db.base import Base

ACCESS_LOG_TABLE = "personal_data_access_log"
ANCHORS_TABLE = "personal_data_access_log_anchors"
ENTRY_ARGS, ANCHOR_ARGS = table_args_v1(ACCESS_LOG_TABLE, ANCHORS_TABLE)


class AccessLogEntry(EntryColumns, Base):
    """One read of a household's personal data: who (subject, role, organisation), when, which household,
    why (a coded purpose). Each entry carries the MAC of the previous one (a chain), under a key the
    database does not hold, so that a removed, reordered or altered entry shows."""

    __tablename__ = ACCESS_LOG_TABLE
    __table_args__ = ENTRY_ARGS

    household_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    hash = synonym("mac")
    """The former name of ``mac`` (kept while code written before the keyed chain moves over)."""


class AccessLogAnchor(AnchorColumns, Base):
    """A point of the chain recorded outside the entries: a ``head`` (also published as an event) or the
    last entry a retention ``prune`` removed (the chain's new start). Append-only too."""

    __tablename__ = ANCHORS_TABLE
    __table_args__ = ANCHOR_ARGS
