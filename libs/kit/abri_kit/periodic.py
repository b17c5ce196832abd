"""A job run every few seconds for an app's lifetime (a ``ServiceSpec.resources`` entry): sweepers that
expire proposals, erase lapsed personal data, send the deliveries due... A failed run is logged and tried
again at the next tick (the database may be away).

When the app stops, a run in progress is let finish, :data:`GRACE_S` at most, rather than cancelled: a
batch cut short rolls back, and what it did outside the database (emails sent, webhooks called) would be
done again by the next replica. The first job stopped stops all the app's jobs, under one deadline, and
:func:`batch_after_batch` takes no new batch once its job is stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_kit.usecase import Context

log = logging.getLogger(__name__)

GRACE_S = 10.0
"""How long a stopping app waits for a run in progress. With the pod's pre-stop pause (5 s) and uvicorn's
own graceful shutdown (20 s at most), within the chart's ``terminationGracePeriodSeconds`` (40 s)."""

MAX_BATCHES = 1000
"""Batches one run of :func:`batch_after_batch` takes at most by default (the next run goes on)."""

_stop: ContextVar[asyncio.Event | None] = ContextVar("abri_periodic_stop", default=None)


def stopping() -> bool:
    """Whether the periodic job this code runs in was asked to stop (False outside one)."""
    stop = _stop.get()
    return stop is not None and stop.is_set()


def periodic(
    name: str, every_s: float, job: Callable[[FastAPI], Awaitable[int]], done: str, grace_s: float = GRACE_S
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Run ``job(app)`` every ``every_s`` seconds; when it returns a count above 0, log ``done % count``."""

    @contextlib.asynccontextmanager
    async def running(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        jobs = _jobs_of(app)
        jobs.stops.append(stop)

        async def loop() -> None:
            _stop.set(stop)  # this task's own context: what stopping() reads in the job
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), every_s)
                if stop.is_set():
                    return
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
            left = jobs.stop_all(grace_s)  # the app's other jobs stop taking runs too: one grace for them all
            try:
                await asyncio.wait_for(task, left)
            except TimeoutError:  # wait_for cancelled it: the batch in progress rolls back
                log.warning("%s: the run in progress did not end within %gs of the stop; cancelled", name, grace_s)

    return running


class _Jobs:
    """An app's periodic jobs: the first to be stopped stops them all, under one deadline (the app's
    resources are closed one after the other; a grace each would add up)."""

    def __init__(self) -> None:
        self.stops: list[asyncio.Event] = []
        self.deadline: float | None = None

    def stop_all(self, grace_s: float) -> float:
        """Ask every job to stop (once); the seconds left until the common deadline."""
        now = asyncio.get_running_loop().time()
        if self.deadline is None:
            self.deadline = now + grace_s
            for stop in self.stops:
                stop.set()
        return max(self.deadline - now, 0.0)


def _jobs_of(app: FastAPI) -> _Jobs:
    jobs: _Jobs | None = getattr(app.state, "periodic_jobs", None)
    if jobs is None or jobs.deadline is not None:  # none yet, or those of an earlier run of the app
        jobs = _Jobs()
        app.state.periodic_jobs = jobs
    return jobs


async def batch_after_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    step: Callable[[Context], Awaitable[int]],
    batch: int,
    most: int = MAX_BATCHES,
) -> int:
    """Run ``step``, each time in its own transaction at the instant ``clock()`` gives, until it treats fewer
    than ``batch`` rows (what it returns), ``most`` times, or the periodic job stops; returns the rows treated."""
    total = 0
    for _ in range(most):
        async with sessionmaker() as session, session.begin():
            done = await step(Context.of_system(session, clock()))
        total += done
        if done < batch or stopping():
            break
    return total
