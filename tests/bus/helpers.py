"""Small pieces the bus tests share: write widgets with events, run a relay, read a topic."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from abri_bus.backoff import Backoff
from abri_bus.consumer import ReceivedEvent
from abri_bus.dlq import read_topic_to_end
from abri_bus.outbox import publish
from abri_bus.relay import OutboxRelay
from tests.bus.conftest import WidgetChangedBase, effects, widgets
from tests.support import kafka as test_kafka


async def change_widget(engine: AsyncEngine, contract: type[WidgetChangedBase], widget_id: str, seq: int, note: str = "") -> None:
    """One business transaction: upsert the widget and publish its event."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(widgets).values(widget_id=widget_id, seq=seq).on_conflict_do_update(index_elements=["widget_id"], set_={"seq": seq})
        )
        await publish(conn, contract(widget_id=widget_id, seq=seq, note=note))


def record_effect(consumer: str) -> Any:
    """A handler that records each applied event as a row of ``widget_effects``."""

    async def handler(session: AsyncSession, event: ReceivedEvent[WidgetChangedBase]) -> None:
        await session.execute(
            sa.insert(effects).values(consumer=consumer, event_id=event.envelope.id, widget_id=event.data.widget_id, seq=event.data.seq)
        )

    return handler


async def count(engine: AsyncEngine, statement: Any) -> int:
    """A scalar count."""
    async with engine.connect() as conn:
        return int((await conn.execute(statement)).scalar_one())


async def effect_count(engine: AsyncEngine) -> int:
    """How many effects were applied."""
    return await count(engine, sa.select(sa.func.count()).select_from(effects))


@contextlib.asynccontextmanager
async def running(worker: Any) -> AsyncIterator[Any]:
    """Run a relay or consumer as a task for the block's duration."""
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        await worker.stop()
        try:
            await asyncio.wait_for(task, 30)
        except TimeoutError:
            task.cancel()
        if task.done() and not task.cancelled() and task.exception():
            raise task.exception()  # type: ignore[misc]


def relay(engine: AsyncEngine, bootstrap: str, **options: Any) -> OutboxRelay:
    """A relay on the test database, quick to retry."""
    kafka = replace(test_kafka(bootstrap), request_timeout_ms=5000)
    options.setdefault("backoff", Backoff(initial=0.2, maximum=2.0))
    options.setdefault("poll_interval", 0.2)
    options.setdefault("send_timeout", 5.0)
    return OutboxRelay(engine, kafka.producer, service="bustest", **options)


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[ConsumerRecord[bytes, bytes]]:
    """Read a topic from the beginning until ``expected`` messages arrived (fails after ``timeout``)."""
    connection = test_kafka(bootstrap).connection()
    consumer = AIOKafkaConsumer(topic, **connection, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{topic}: {len(records)} of {expected} messages after {timeout}s")
            batch = await consumer.getmany(timeout_ms=300)
            for messages in batch.values():
                records.extend(messages)
        return records
    finally:
        await consumer.stop()


async def topic_size(bootstrap: str, topic: str) -> int:
    """Messages currently on a topic."""
    return len(await read_topic_to_end(test_kafka(bootstrap), topic, limit=1_000_000))
