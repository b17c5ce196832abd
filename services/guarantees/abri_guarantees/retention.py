"""The retention sweeper: for the app's lifetime, every ``ABRI_GUARANTEES_RETENTION_SWEEP_S``, it erases
the personal data of the files whose retention is over (``usecases/retention.py``; the years are
``ABRI_GUARANTEES_RETENTION_YEARS``).

``erase_lapsed`` takes the time as an argument (tests control the clock). Rows are taken with SKIP
LOCKED, so several replicas can sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_guarantees.usecases import retention
from abri_kit.periodic import periodic
from abri_kit.usecase import Context


async def erase_lapsed(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, years: int, batch: int = 100) -> int:
    """Erase, in one transaction, the personal data of up to ``batch`` files whose retention ended before ``now``."""
    async with sessionmaker() as session, session.begin():
        return await retention.erase_lapsed(Context.of_system(session, now), years, batch)


def retention_sweeper(every_s: float, years: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await erase_lapsed(app.state.sessionmaker, app.state.clock(), years)

    return periodic("guarantees-retention", every_s, sweep, "personal data of %d guarantee file(s) erased (retention)")
