"""The log of readings of conversations by anyone other than the person (``abri_kit.access_log``: a keyed
MAC chain, append-only in the database) and its anchors, keyed by the person's sign-in subject. Its
repositories: ``db/repositories/access_log.py``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_assistant.db.base import Base
from abri_kit.access_log import AnchorColumns, EntryColumns, table_args_v1

ACCESS_LOG_TABLE = "personal_data_access_log"
ANCHORS_TABLE = "personal_data_access_log_anchors"
ENTRY_ARGS, ANCHOR_ARGS = table_args_v1(ACCESS_LOG_TABLE, ANCHORS_TABLE)


class PersonAccessLogEntry(EntryColumns, Base):
    """One reading of a person's conversation by someone else: who, when, whose (``person``), why (a code)."""

    __tablename__ = ACCESS_LOG_TABLE
    __table_args__ = ENTRY_ARGS

    person: Mapped[str] = mapped_column(sa.String(200), index=True)


class PersonAccessLogAnchor(AnchorColumns, Base):
    """A point of the chain recorded outside the entries: a ``head`` (also published) or a ``prune``'s new start."""

    __tablename__ = ANCHORS_TABLE
    __table_args__ = ANCHOR_ARGS
