"""Ranking generations (migration 0007): bumped by triggers on every write to ``households`` (one scope
per association, ``households:<org_id>``) and to ``unit_view`` (scope ``units``); since migration 0019 the
same triggers note which rows each generation changed (``ranking_changes``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from abri_matching.db.base import Base


class RankingGeneration(Base):
    """Written only by the triggers; read by ``ranking_cache.py`` to know when its columns are stale."""

    __tablename__ = "ranking_generations"

    scope: Mapped[str] = mapped_column(sa.String(220), primary_key=True)
    generation: Mapped[int] = mapped_column(sa.BigInteger)


class RankingPruned(Base):
    """Per scope, the changes up to ``pruned_through`` may have been pruned: columns older than it are loaded
    whole. Written by the pruning only (never the generation rows: writers lock those)."""

    __tablename__ = "ranking_pruned"

    scope: Mapped[str] = mapped_column(sa.String(220), primary_key=True)
    pruned_through: Mapped[int] = mapped_column(sa.BigInteger)


class RankingChange(Base):
    """A row a generation changed (ids only, no personal data); pruned after a while."""

    __tablename__ = "ranking_changes"

    scope: Mapped[str] = mapped_column(sa.String(220), primary_key=True)
    generation: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), index=True)
