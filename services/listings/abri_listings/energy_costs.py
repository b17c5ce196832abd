"""The energy cost sweeper: for the app's lifetime, every ``ABRI_LISTINGS_ENERGY_COST_SWEEP_S``, it prices again the
stored energy bill of every unit priced with another table than the policy's (``usecases/energy_costs.py``),
batch after batch, each in its own transaction. Rows are taken with SKIP LOCKED, so several replicas can sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_listings.usecases import energy_costs

BATCH = 500


async def price_stale(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Price again every unit priced with another table, ``BATCH`` per transaction; returns how many."""
    return await batch_after_batch(sessionmaker, lambda: now, lambda ctx: energy_costs.price_stale(ctx, BATCH), BATCH)


def energy_cost_sweeper(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await price_stale(app.state.sessionmaker, app.state.clock())

    return periodic("listings-energy-costs", every_s, sweep, "%d unit energy bill(s) priced with the current table")
