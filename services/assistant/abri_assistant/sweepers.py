"""The assistant's periodic jobs: the retention sweeper (conversations past their period: their keys shredded,
then their rows; ``usecases/retention.py``) and the access log's upkeep (prune, anchor, publish;
``usecases/access_log.py``). Each batch in its own transaction, rows taken with SKIP LOCKED: several replicas
sweep at once without deleting a row twice."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_assistant.domain.retention import RetentionPolicy
from abri_assistant.usecases import access_log, retention
from abri_kit.access_log import upkeep_sweeper
from abri_kit.periodic import batch_after_batch, periodic
from abri_kit.usecase import Context


async def delete_lapsed(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, policy: RetentionPolicy, batch: int = 200) -> int:
    """Delete the conversations whose period ended before ``now``; how many."""

    async def step(ctx: Context) -> int:
        return await retention.delete_lapsed(ctx, policy, batch)

    return await batch_after_batch(sessionmaker, lambda: now, step, batch)


def retention_sweeper(every_s: float, policy: RetentionPolicy) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await delete_lapsed(app.state.sessionmaker, app.state.clock(), policy)

    return periodic("assistant-retention", every_s, sweep, "%d conversation(s) deleted (retention)")


def access_log_sweeper(every_s: float, retention_days: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    return upkeep_sweeper("assistant-access-log", every_s, retention_days, access_log.keep_up)
