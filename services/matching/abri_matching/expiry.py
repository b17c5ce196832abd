"""The sweeper that lapses proposals the owner did not answer in time (``usecases/expiry.py``).

``expire_overdue`` runs one sweep in its own transaction at the instant it is given (tests control the
clock); ``expiry_sweeper`` runs it every ``every_s`` seconds on the app's clock for the app's lifetime.
Rows are taken with SKIP LOCKED, so several replicas can sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import periodic
from abri_kit.usecase import Context
from abri_matching.usecases import expiry


async def expire_overdue(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, batch: int = 100) -> int:
    """Expire the proposals due before ``now``; returns how many."""
    async with sessionmaker() as session, session.begin():
        return await expiry.expire_overdue(Context.of_system(session, now), batch)


def expiry_sweeper(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Sweep every ``every_s`` seconds while the app runs."""

    async def sweep(app: FastAPI) -> int:
        return await expire_overdue(app.state.sessionmaker, app.state.clock())

    return periodic("matching-expiry", every_s, sweep, "%d proposal(s) expired")
