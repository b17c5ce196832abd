"""The log of reads of people's personal data by anyone other than the person (``abri_kit.access_log``: a
keyed MAC chain, append-only in the database) and its anchors (the chain's heads published outside it,
and the start after a prune). Keyed by the person's sign-in subject (an opaque id): notifications holds
what it holds under a person's account."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_kit.access_log import AnchorColumns, EntryColumns, table_args_v1
from abri_notifications.db.base import Base

ACCESS_LOG_TABLE = "personal_data_access_log"
ANCHORS_TABLE = "personal_data_access_log_anchors"
ENTRY_ARGS, ANCHOR_ARGS = table_args_v1(ACCESS_LOG_TABLE, ANCHORS_TABLE)


class PersonAccessLogEntry(EntryColumns, Base):
    """One read of a person's personal data by someone else: who (subject, role, organisation), when,
    whose (``person``: their subject), why (a coded purpose, ``domain/access.py``)."""

    __tablename__ = ACCESS_LOG_TABLE
    __table_args__ = ENTRY_ARGS

    person: Mapped[str] = mapped_column(sa.String(200), index=True)


class PersonAccessLogAnchor(AnchorColumns, Base):
    """A point of the chain recorded outside the entries: a ``head`` (also published as an event) or the
    last entry a retention ``prune`` removed (the chain's new start). Append-only too."""

    __tablename__ = ANCHORS_TABLE
    __table_args__ = ANCHOR_ARGS
