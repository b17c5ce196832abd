"""The sweeper that alerts on sliding leases' joint reviews (``usecases/review_alerts.py``).

``alert_reviews`` runs one sweep in its own transaction at the instant it is given (tests control the
clock); ``review_alert_sweeper`` runs it every ``every_s`` seconds on the app's clock for the app's
lifetime. The alerts are by day in France and sent once per review date, so sweeping every hour (the
default) catches up after a restart and never repeats one; replicas skip each other's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import batch_after_batch, periodic
from abri_matching.domain.placements import PlacementPolicy
from abri_matching.usecases import review_alerts


async def alert_reviews(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, journey: PlacementPolicy, batch: int = 100) -> int:
    """Publish the review alerts due at ``now``; returns how many."""
    return await batch_after_batch(sessionmaker, lambda: now, lambda ctx: review_alerts.alert_reviews(ctx, journey, batch), batch)


def review_alert_sweeper(every_s: float, journey: PlacementPolicy) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Sweep every ``every_s`` seconds while the app runs."""

    async def sweep(app: FastAPI) -> int:
        return await alert_reviews(app.state.sessionmaker, app.state.clock(), journey)

    return periodic("matching-review-alerts", every_s, sweep, "%d sliding-lease review alert(s) published")
