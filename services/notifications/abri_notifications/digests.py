"""The owners' daily digests' sweep, run every few minutes for the app's lifetime: it makes the digests
due on the service's clock (``usecases/digests.py``), one transaction per batch of people.

``make_digests`` takes the time as an argument (tests control the clock); ``digest_maker`` runs it on
the app's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.periodic import periodic
from abri_kit.usecase import Context
from abri_notifications.domain.links import DEFAULT_PUBLIC_URL
from abri_notifications.usecases import digests
from abri_notifications.usecases.digests import DIGEST_EVENT

__all__ = ["DIGEST_EVENT", "digest_maker", "make_digests"]


async def make_digests(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, batch: int = 200, public_url: str = DEFAULT_PUBLIC_URL
) -> int:
    """Queue the digests due at ``now`` of everyone who takes one, ``batch`` people per transaction (each
    linking to the inbox of the web front at ``public_url``); returns how many were queued."""
    made, after = 0, None
    while True:
        async with sessionmaker() as session, session.begin():
            queued, after = await digests.make_digests(Context.of_system(session, now), after, batch, public_url)
        made += queued
        if after is None:
            return made


def digest_maker(every_s: float, public_url: str = DEFAULT_PUBLIC_URL) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await make_digests(app.state.sessionmaker, app.state.clock(), public_url=public_url)

    return periodic("notifications-digests", every_s, sweep, "%d daily digest(s) queued")
