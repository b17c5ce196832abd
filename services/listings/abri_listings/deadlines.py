"""The deadline sweeper: for the app's lifetime, every ``ABRI_LISTINGS_DEADLINE_SWEEP_S``, it checks the
published units not yet checked today against the day's rules (``usecases/deadlines.py``): back to draft
when a rule now refuses one, an announcement to the owner ahead of a ban or a diagnosis's end.

``check_all`` takes the time as an argument (tests move the clock) and runs batch after batch, each in
its own transaction, until one comes back short.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_kit.usecase import Context
from abri_listings.usecases import deadlines
from abri_listings.usecases.deadlines import DeadlineSweep


async def check_all(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, batch: int = 200) -> DeadlineSweep:
    """Check every published unit not yet checked on ``now``'s day, ``batch`` per transaction."""
    total = DeadlineSweep()

    async def step(ctx: Context) -> int:
        swept = await deadlines.check_batch(ctx, batch)
        total.checked += swept.checked
        total.returned_to_draft += swept.returned_to_draft
        total.announced += swept.announced
        return swept.checked

    await batch_after_batch(sessionmaker, lambda: now, step, batch)
    return total


def deadline_sweeper(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        swept = await check_all(app.state.sessionmaker, app.state.clock())
        return swept.returned_to_draft + swept.announced

    return periodic("listings-deadlines", every_s, sweep, "%d published unit(s) returned to draft or announced a deadline")
