"""Proposals the owner did not answer in time lapse: the unit and the household are free again.

``expire_overdue`` takes the time as an argument (tests control the clock); ``expiry_sweeper`` runs it
every minute for the app's lifetime. Rows are taken with SKIP LOCKED, so several replicas can sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_contracts.matching import PlacementExpired
from abri_kit.periodic import periodic
from abri_matching.db.placements import Placement
from abri_matching.domain.placements import PlacementStatus, Step
from abri_matching.journey import ids, move


async def expire_overdue(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, batch: int = 100) -> int:
    """Expire the proposals due before ``now``; returns how many."""
    async with sessionmaker() as session, session.begin():
        overdue = await session.execute(
            sa.select(Placement)
            .where(Placement.status == PlacementStatus.PROPOSED.value, Placement.answer_by < now)
            .order_by(Placement.answer_by)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        placements = list(overdue.scalars())
        for placement in placements:
            event = PlacementExpired(**ids(placement), expired_at=now)
            await move(
                session, placement, Step.EXPIRE, actor="abri-matching", role="system", at=now, reason="no_answer_in_time", events=[event]
            )
    return len(placements)


def expiry_sweeper(every_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Sweep every ``every_s`` seconds while the app runs."""

    async def sweep(app: FastAPI) -> int:
        return await expire_overdue(app.state.sessionmaker, app.state.clock())

    return periodic("matching-expiry", every_s, sweep, "%d proposal(s) expired")
