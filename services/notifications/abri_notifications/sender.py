"""The sender's sweep, run every few seconds for the app's lifetime: it sends the deliveries due on the
service's clock (``usecases/sending.py``), in one transaction per batch, and takes the next batch at once
while batches come full (a backlog), up to :data:`BATCHES_PER_SWEEP`.

``send_due`` takes the time as an argument (tests and benchmarks say when); ``sender`` runs it on the
app's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_kit.usecase import Context
from abri_notifications.channels.outbound import Outbound
from abri_notifications.usecases import sending

__all__ = ["BATCH", "Outbound", "send_due", "sender", "sweep"]


BATCH = sending.BATCH
BATCHES_PER_SWEEP = 20
"""How many full batches a sweep takes in a row before it waits for the next tick."""


async def send_due(sessionmaker: async_sessionmaker[AsyncSession], outbound: Outbound, now: datetime, batch: int = BATCH) -> int:
    """Send the deliveries due at ``now`` (``batch`` at most); returns how many were tried."""
    async with sessionmaker() as session, session.begin():
        return await sending.send_due(Context.of_system(session, now), outbound, batch)


async def sweep(app: FastAPI) -> int:
    """One tick: batches on the app's clock while they come full, :data:`BATCHES_PER_SWEEP` at most, none
    once the app stops."""
    outbound: Outbound = app.state.outbound
    return await batch_after_batch(
        app.state.sessionmaker, app.state.clock, lambda ctx: sending.send_due(ctx, outbound, BATCH), BATCH, BATCHES_PER_SWEEP
    )


def sender(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    return periodic("notifications-sender", every_s, sweep, "%d deliveries tried")
