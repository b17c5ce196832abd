"""The log of reads of guarantee files' personal data (``abri_kit.access_log``: a keyed MAC chain,
append-only in the database) and its anchors (the chain's heads published outside it, and the start
after a prune)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_guarantees.db.base import Base
from abri_kit.access_log import AnchorColumns, EntryColumns, table_args_v1

ACCESS_LOG_TABLE = "personal_data_access_log"
ANCHORS_TABLE = "personal_data_access_log_anchors"
ENTRY_ARGS, ANCHOR_ARGS = table_args_v1(ACCESS_LOG_TABLE, ANCHORS_TABLE)


class FileAccessLogEntry(EntryColumns, Base):
    """One read of a file's personal data: who (subject, role, organisation), when, which file, why (a
    coded purpose, ``domain/access.py``); a keyed chain, as in matching."""

    __tablename__ = ACCESS_LOG_TABLE
    __table_args__ = ENTRY_ARGS

    file_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)


class FileAccessLogAnchor(AnchorColumns, Base):
    """A point of the chain recorded outside the entries: a ``head`` (also published as an event) or the
    last entry a retention ``prune`` removed (the chain's new start). Append-only too."""

    __tablename__ = ANCHORS_TABLE
    __table_args__ = ANCHOR_ARGS
