"""The sender's sweep, run every few seconds for the app's lifetime: it sends the deliveries due on the
service's clock (``usecases/sending.py``), in one transaction per batch.

``send_due`` takes the time as an argument (tests and benchmarks say when); ``sender`` runs it on the
app's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import periodic
from abri_kit.usecase import Context
from abri_notifications.channels.outbound import Outbound
from abri_notifications.usecases import sending

__all__ = ["Outbound", "send_due", "sender"]


async def send_due(sessionmaker: async_sessionmaker[AsyncSession], outbound: Outbound, now: datetime, batch: int = 50) -> int:
    """Send the deliveries due at ``now`` (``batch`` at most); returns how many were tried."""
    async with sessionmaker() as session, session.begin():
        return await sending.send_due(Context.of_system(session, now), outbound, batch)


def sender(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await send_due(app.state.sessionmaker, app.state.outbound, app.state.clock())

    return periodic("notifications-sender", every_s, sweep, "%d deliveries tried")
