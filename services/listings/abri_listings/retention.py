"""The retention sweeper: for the app's lifetime, every ``ABRI_LISTINGS_RETENTION_SWEEP_S``, it deletes
the units no longer offered whose period is over (``usecases/retention.py``; the years:
``domain/retention.py``, ``ABRI_LISTINGS_RETENTION_UNIT_YEARS``).

``delete_lapsed`` takes the time as an argument (tests control the clock) and runs batch after batch,
each in its own transaction, until one comes back short. Rows are taken with SKIP LOCKED, so several
replicas can sweep at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_listings.domain.retention import RetentionPolicy
from abri_listings.usecases import retention


async def delete_lapsed(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, policy: RetentionPolicy, batch: int = 200) -> int:
    """Delete every unit not offered whose period ended before ``now``, ``batch`` per transaction."""
    return await batch_after_batch(sessionmaker, lambda: now, lambda ctx: retention.delete_lapsed(ctx, policy, batch), batch)


def retention_sweeper(every_s: float, policy: RetentionPolicy) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await delete_lapsed(app.state.sessionmaker, app.state.clock(), policy)

    return periodic("listings-retention", every_s, sweep, "%d unit(s) no longer offered deleted (retention)")
