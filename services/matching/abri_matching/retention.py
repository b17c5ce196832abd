"""The retention sweeper: for the app's lifetime, every ``ABRI_MATCHING_RETENTION_SWEEP_S``, it erases the
households out of contact for their period and deletes the closed placements and the consent proofs that
outlived theirs (``usecases/retention.py``; the periods: ``domain/retention.py``, overridden by
``ABRI_MATCHING_RETENTION``).

``sweep`` takes the time as an argument (tests control the clock) and runs, kind after kind, batch after
batch, each batch in its own transaction, until one comes back short. Rows are taken with SKIP LOCKED, so
several replicas can sweep at once without waiting for each other or treating a row twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import MAX_BATCHES, batch_after_batch, periodic, stopping
from abri_kit.usecase import Context
from abri_matching.domain.retention import RetentionPolicy
from abri_matching.usecases import retention

Batch = Callable[[Context, RetentionPolicy, int], Awaitable[int]]


@dataclass(frozen=True)
class Swept:
    """How many rows one sweep treated, by kind."""

    households: int = 0
    placements: int = 0
    consents: int = 0

    @property
    def total(self) -> int:
        return self.households + self.placements + self.consents


async def _batches(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, policy: RetentionPolicy, step: Batch, batch: int) -> int:
    return await batch_after_batch(sessionmaker, lambda: now, lambda ctx: step(ctx, policy, batch), batch)


async def _closed_placements(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, policy: RetentionPolicy, batch: int) -> int:
    """Closed placements deleted batch after batch, the keys of their inventories shredded once each batch committed."""
    total = 0
    for _ in range(MAX_BATCHES):
        async with sessionmaker() as session, session.begin():
            count, inventories = await retention.delete_closed_placements(Context.of_system(session, now), policy, batch)
        if inventories:
            await retention.shred_inventories(inventories, now)
        total += count
        if count < batch or stopping():
            break
    return total


async def sweep(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, policy: RetentionPolicy, batch: int = 50) -> Swept:
    """Erase, then delete, everything whose period ended before ``now``, ``batch`` rows per transaction."""
    return Swept(
        households=await _batches(sessionmaker, now, policy, retention.erase_out_of_contact, batch),
        placements=await _closed_placements(sessionmaker, now, policy, batch),
        consents=await _batches(sessionmaker, now, policy, retention.delete_consent_proofs, batch),
    )


def retention_sweeper(every_s: float, policy: RetentionPolicy) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def run(app: FastAPI) -> int:
        return (await sweep(app.state.sessionmaker, app.state.clock(), policy)).total

    return periodic(
        "matching-retention", every_s, run, "%d row(s) past their retention (households erased, placements or consent proofs deleted)"
    )
