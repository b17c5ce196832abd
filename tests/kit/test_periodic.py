"""Periodic jobs stop without cutting a run short: a run in progress when the app stops is let finish
(within the grace), a sweep takes no new batch once the stop is asked, and a run that outlasts the grace
is cancelled. A batch cut short rolls back, and what it did outside the database (emails, webhooks)
would be done again by the next replica: the rolling upgrade counted 25 emails sent twice per stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from abri_kit.db import make_engine, make_sessionmaker
from abri_kit.periodic import batch_after_batch, periodic, stopping
from abri_kit.usecase import Context
from tests.support import database_url


@pytest.mark.unit
async def test_a_run_in_progress_when_the_app_stops_is_let_finish() -> None:
    began, finished = asyncio.Event(), asyncio.Event()

    async def job(_: FastAPI) -> int:
        began.set()
        await asyncio.sleep(0.4)  # a batch talking to an SMTP relay
        finished.set()
        return 1

    async with periodic("test-job", 0.01, job, "%d done", grace_s=5)(FastAPI()):
        await asyncio.wait_for(began.wait(), 5)
    assert finished.is_set()


@pytest.mark.unit
async def test_no_run_starts_once_the_stop_is_asked() -> None:
    runs = 0

    async def job(_: FastAPI) -> int:
        nonlocal runs
        runs += 1
        return 0

    async with periodic("test-job", 60, job, "%d done", grace_s=5)(FastAPI()):
        await asyncio.sleep(0.05)  # the loop waits for its first tick
    assert runs == 0  # the stop ended the wait at once, no run after it


@pytest.mark.unit
async def test_a_run_that_outlasts_the_grace_is_cancelled(caplog: pytest.LogCaptureFixture) -> None:
    began, cancelled = asyncio.Event(), asyncio.Event()

    async def job(_: FastAPI) -> int:
        began.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 1

    with caplog.at_level(logging.WARNING, logger="abri_kit.periodic"):
        async with periodic("test-job", 0.01, job, "%d done", grace_s=0.2)(FastAPI()):
            await asyncio.wait_for(began.wait(), 5)
    assert cancelled.is_set()
    assert "did not end within 0.2s" in caplog.text


@pytest.fixture
async def sessionmaker() -> AsyncIterator[object]:
    engine = make_engine(database_url("listings"))
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_batches_follow_while_they_come_full_each_in_its_transaction(sessionmaker: object) -> None:
    left, seen = [10, 10, 10, 4, 10], []

    async def step(ctx: Context) -> int:
        seen.append((await ctx.uow.session.execute(sa.text("SELECT txid_current()"))).scalar_one())
        return left.pop(0)

    now = datetime(2026, 12, 6, tzinfo=UTC)
    assert await batch_after_batch(sessionmaker, lambda: now, step, batch=10) == 34  # type: ignore[arg-type]
    assert len(set(seen)) == 4  # the short fourth batch ended the run; one transaction each
    assert await batch_after_batch(sessionmaker, lambda: now, lambda ctx: asyncio.sleep(0, 10), batch=10, most=3) == 30  # type: ignore[arg-type]


async def test_a_sweep_takes_no_new_batch_once_its_app_stops(sessionmaker: object) -> None:
    batches, first = 0, asyncio.Event()

    async def step(_: Context) -> int:
        nonlocal batches
        batches += 1
        first.set()
        await asyncio.sleep(0.2)
        return 10  # always full: only the stop ends the sweep

    async def job(_: FastAPI) -> int:
        assert not stopping()
        return await batch_after_batch(sessionmaker, lambda: datetime.now(UTC), step, batch=10)  # type: ignore[arg-type]

    async with periodic("test-sweep", 0.01, job, "%d done", grace_s=5)(FastAPI()):
        await asyncio.wait_for(first.wait(), 5)
    assert batches == 1  # the batch under way finished, none followed
    assert not stopping()  # outside a periodic job


@pytest.mark.unit
async def test_the_first_job_stopped_stops_every_job_of_the_app_under_one_deadline() -> None:
    """An app's resources close one after the other: a grace each would add up past the pod's own."""
    app, began, told = FastAPI(), [asyncio.Event(), asyncio.Event()], [False, False]

    def job_number(n: int) -> Any:
        async def job(_: FastAPI) -> int:
            began[n].set()
            await asyncio.sleep(0.3)
            told[n] = stopping()  # was this job asked to stop while its run went on?
            return 1

        return job

    async with contextlib.AsyncExitStack() as stack:
        for n in (0, 1):
            await stack.enter_async_context(periodic(f"test-job-{n}", 0.01, job_number(n), "%d done", grace_s=5)(app))
        await asyncio.wait_for(asyncio.gather(began[0].wait(), began[1].wait()), 5)
    assert told == [True, True]  # job 1 is closed first; job 0 was told at the same moment, not at its own close
