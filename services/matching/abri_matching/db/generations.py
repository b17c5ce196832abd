"""Ranking generations (migration 0007): bumped by triggers on every write to ``households`` (one scope
per association, ``households:<org_id>``) and to ``unit_view`` (scope ``units``)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class RankingGeneration(Base):
    """Written only by the triggers; read by ``ranking_cache.py`` to know when its columns are stale."""

    __tablename__ = "ranking_generations"

    scope: Mapped[str] = mapped_column(sa.String(220), primary_key=True)
    generation: Mapped[int] = mapped_column(sa.BigInteger)
