"""The access log's sweeper: every ``ABRI_MATCHING_ACCESS_LOG_ANCHOR_S`` it prunes the entries past their
retention (``ABRI_MATCHING_ACCESS_LOG_RETENTION_DAYS``) and anchors the chain's head, both published
(``usecases/access_log.py``). Safe with several replicas: each run takes the chain's advisory lock, and a
head already anchored is not anchored again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.access_log import run_upkeep, upkeep_sweeper
from abri_matching.usecases import access_log


async def keep_up(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, retention_days: int) -> int:
    """One run in its own transaction at ``now``; how many anchors were published."""
    return await run_upkeep(sessionmaker, now, retention_days, access_log.keep_up)


def access_log_sweeper(every_s: float, retention_days: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    return upkeep_sweeper("matching-access-log", every_s, retention_days, access_log.keep_up)
