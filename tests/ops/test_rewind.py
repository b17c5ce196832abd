"""``abri-ops rewind``: after a database restored from a backup, the service's consumer group goes back, on
every partition it consumes, to what the restored inbox last applied or the backup's moment, whichever is
earlier (never forward), and Kafka refuses while the service still runs (its group has members). On a
topic and group of the test's own, on the real broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import NewTopic
from aiokafka.structs import OffsetAndMetadata

from abri_ops.rewind import GroupActive, rewind
from tests.support import kafka

pytestmark = pytest.mark.timeout(120)
PARTITIONS = 2


async def produce(topic: str, count: int) -> None:
    producer = kafka().producer()
    await producer.start()
    try:
        for partition in range(PARTITIONS):
            for n in range(count):
                await producer.send_and_wait(topic, f"event {n}".encode(), partition=partition)
    finally:
        await producer.stop()


async def commit_at_end(topic: str, group: str) -> None:
    """The group as a service leaves it: everything applied and committed."""
    consumer = kafka().consumer(group_id=group)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(end, "") for tp, end in ends.items()})
    finally:
        await consumer.stop()


async def test_a_group_goes_back_to_the_backups_moment_and_never_forward() -> None:
    topic, group = f"abri-test-rewind-{uuid.uuid4().hex[:8]}", f"abri-test-rewind-{uuid.uuid4().hex[:8]}"
    admin = kafka().admin()
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()
    await produce(topic, 2)  # applied before the backup
    await asyncio.sleep(0.2)
    backup = datetime.now(UTC)
    await asyncio.sleep(0.2)
    await produce(topic, 3)  # applied after the backup: lost with the database, still on the topic
    await commit_at_end(topic, group)

    moved = await rewind(kafka(), group, [topic], backup)
    assert sorted((row.partition, row.was, row.now) for row in moved) == [(0, 5, 2), (1, 5, 2)]
    again = await rewind(kafka(), group, [topic], datetime.now(UTC))  # a moment after everything: nowhere to go forward
    assert sorted((row.partition, row.was, row.now) for row in again) == [(0, 2, 2), (1, 2, 2)]
    # the restored inbox had applied partition 0 only up to its first record (the consumer lagged at the backup)
    lagged = await rewind(kafka(), group, [topic], backup, applied={TopicPartition(topic, 0): 0})
    assert sorted((row.partition, row.was, row.now) for row in lagged) == [(0, 2, 1), (1, 2, 2)]

    running = kafka().consumer(topic, group_id=group)  # the service still running: a member of its group
    await running.start()
    try:
        await asyncio.wait_for(running.getmany(timeout_ms=3000), 10)  # joined
        with pytest.raises(GroupActive, match="1 member"):
            await rewind(kafka(), group, [topic], backup)
    finally:
        await running.stop()


@pytest.mark.unit
async def test_a_moment_without_its_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        await rewind(kafka(), "g", ["t"], datetime(2026, 12, 6, 8, 0))  # no time zone: the mistake under test
