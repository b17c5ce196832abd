"""The pruning of ``ranking_changes`` (migration 0019): every ``ABRI_MATCHING_RANKING_CHANGES_PRUNE_S``, the
rows changed more than :data:`KEEP_S` ago are deleted, batch after batch, each scope's ``pruned_through``
raised with them. A process whose ranking columns are older than that loads them whole at its next request
(``usecases/ranking_cache.py``); one that ranks now and then keeps patching them. Rows are taken with SKIP
LOCKED, so several replicas can prune at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_matching.db.ranking_columns import prune_changes

KEEP_S = 3600.0
"""How long a change is kept: an hour (a busy scope passes its patch limit well before)."""
BATCH = 5000


async def prune(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, keep_s: float = KEEP_S) -> int:
    """Delete every change older than ``keep_s`` (on the database's clock, that stamped them); returns how many."""
    return await batch_after_batch(sessionmaker, lambda: now, lambda ctx: prune_changes(ctx.uow.session, keep_s, BATCH), BATCH)


def ranking_changes_pruner(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await prune(app.state.sessionmaker, app.state.clock())

    return periodic("matching-ranking-changes", every_s, sweep, "%d ranking change(s) pruned")
