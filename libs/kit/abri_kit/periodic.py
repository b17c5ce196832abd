"""A job run every few seconds for an app's lifetime (a ``ServiceSpec.resources`` entry): sweepers that
expire proposals, erase lapsed personal data... A failed run is logged and tried again at the next tick
(the database may be away); the task stops with the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

log = logging.getLogger(__name__)


def periodic(
    name: str, every_s: float, job: Callable[[FastAPI], Awaitable[int]], done: str
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Run ``job(app)`` every ``every_s`` seconds; when it returns a count above 0, log ``done % count``."""

    @contextlib.asynccontextmanager
    async def running(app: FastAPI) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(every_s)
                try:
                    count = await job(app)
                    if count:
                        log.info(done, count)
                except Exception:  # the database may be away: try again at the next tick
                    log.exception("%s failed", name)

        task = asyncio.create_task(loop(), name=name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return running
