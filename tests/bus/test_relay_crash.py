"""A relay killed between sending and marking sent: the event is sent again, and applied once."""

from __future__ import annotations

import asyncio
import signal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus import metrics
from abri_bus.consumer import EventConsumer
from abri_bus.tables import outbox
from tests.bus.conftest import WidgetChangedBase
from tests.bus.helpers import change_widget, count, effect_count, record_effect, relay, running, topic_size
from tests.bus.test_consumer import consumer_of
from tests.support import PYTHON, REPO, database_url, kafka_bootstrap, wait_until


async def test_relay_killed_after_send_resends_and_inbox_absorbs_the_duplicate(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    await change_widget(db, contract, "w-crash", 1)
    process = await asyncio.create_subprocess_exec(
        str(PYTHON),
        "-m",
        "tests.bus.relay_crash_worker",
        database_url("bustest"),
        kafka_bootstrap(),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.strip() == b"SENT 1"
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()

    assert await topic_size(kafka_bootstrap(), contract.topic()) == 1
    unsent = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
    assert await count(db, unsent) == 1  # the kill rolled the claim back: still to send

    worker = consumer_of(db, contract, record_effect("c1"))
    async with running(relay(db, kafka_bootstrap())), running(worker):
        await wait_until(lambda: _sent_twice(contract.topic()), timeout=30, what="the second copy")
        await wait_until(lambda: _all_sent(db), timeout=30, what="the row marked sent")
        await wait_until(lambda: _duplicate_absorbed(worker), timeout=30, what="the consumer to read and skip the second copy")
    assert await effect_count(db) == 1


async def _duplicate_absorbed(worker: EventConsumer) -> bool:
    consumed = metrics.CONSUMED.labels(worker.group_id, next(iter(worker.topics)), "duplicate")._value.get()
    applied = metrics.CONSUMED.labels(worker.group_id, next(iter(worker.topics)), "applied")._value.get()
    return bool(consumed >= 1 and applied == 1)


async def _sent_twice(topic: str) -> bool:
    return await topic_size(kafka_bootstrap(), topic) == 2


async def _all_sent(db: AsyncEngine) -> bool:
    return await count(db, sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))) == 0
