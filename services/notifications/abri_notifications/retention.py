"""The retention sweeper: for the app's lifetime, every ``ABRI_NOTIFICATIONS_RETENTION_SWEEP_S``, it
deletes what outlived its period (``usecases/retention.py``; the periods: ``domain/retention.py``,
overridden by ``ABRI_NOTIFICATIONS_RETENTION``).

``delete_lapsed`` takes the time as an argument (tests control the clock) and runs batch after batch,
each in its own transaction, until one comes back short. Rows are taken with SKIP LOCKED, so several
replicas can sweep at once without waiting for each other or deleting a row twice.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_kit.usecase import Context
from abri_notifications.domain.retention import RetentionPolicy
from abri_notifications.usecases import retention
from abri_notifications.usecases.retention import Swept


async def delete_lapsed(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, policy: RetentionPolicy, batch: int = 500) -> Swept:
    """Delete everything whose period ended before ``now``, ``batch`` rows of each kind per transaction."""
    total = Swept()

    async def step(ctx: Context) -> int:
        nonlocal total
        swept = await retention.delete_lapsed(ctx, policy, batch)
        total = Swept(
            total.deliveries + swept.deliveries,
            total.messages + swept.messages,
            total.people + swept.people,
            total.awaiting + swept.awaiting,
        )
        return max(swept.deliveries, swept.messages, swept.people, swept.awaiting)  # a kind with more left: another batch

    await batch_after_batch(sessionmaker, lambda: now, step, batch)
    return total


def retention_sweeper(every_s: float, policy: RetentionPolicy) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return (await delete_lapsed(app.state.sessionmaker, app.state.clock(), policy)).total

    return periodic("notifications-retention", every_s, sweep, "%d delivery, message or directory row(s) deleted (retention)")
