"""The positions sweeper: for the app's lifetime, every ``ABRI_LISTINGS_POSITION_SWEEP_S``, it snaps the
stored public position (``public_latitude``, ``public_longitude``: what the search reads) of every unit not
on the policy's grid (``usecases/public_positions.py``), batch after batch, each in its own transaction,
until one comes back short. Rows are taken with SKIP LOCKED, so several replicas can sweep at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_listings.usecases import public_positions

BATCH = 1000


async def snap_positions(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, grid_deg: float) -> int:
    """Snap every unit not on ``grid_deg``, ``BATCH`` per transaction; returns how many."""
    return await batch_after_batch(sessionmaker, lambda: now, lambda ctx: public_positions.snap_off_grid(ctx, grid_deg, BATCH), BATCH)


def position_sweeper(every_s: float, grid_deg: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await snap_positions(app.state.sessionmaker, app.state.clock(), grid_deg)

    return periodic("listings-positions", every_s, sweep, "%d unit position(s) snapped to the policy's grid")
