"""The insights service's one table: counts, by measure, scope, month and value. No household, no person, no
home and no id of either: an association and a fund are organisations, a département a place."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_insights.db.base import Base


class Counter(Base):
    """How many ``measure`` facts of ``value`` happened in ``month`` within a scope (``platform`` and its empty id,
    an association, a fund, a département)."""

    __tablename__ = "counters"

    measure: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    scope_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger)
