"""How a service's event bus stands, read from the source of truth rather than from a process's gauges:
the outbox backlog from the service's database, the consumer lag from the group's committed offsets
against the partitions' high watermarks, the dead letters from the ``.dlq`` topics' offsets.

The metrics (``abri_bus.metrics``) say the same from inside each process; these functions answer for a
service that is down, or from a shell (``abri-ops``), and for the ops API (``abri_kit.ops_api``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus.dlq import dlq_topic
from abri_bus.kafka import KafkaSettings
from abri_bus.tables import outbox
from abri_contracts import registry


@dataclass(frozen=True)
class OutboxBacklog:
    """Outbox rows not yet acknowledged by Kafka, and how long the oldest has waited."""

    unsent: int
    oldest_unsent_age_seconds: float
    parked: int = 0
    """Rows Kafka refused for good, set aside (``abri_bus.parking``); counted in ``unsent`` too."""


@dataclass(frozen=True)
class PartitionLag:
    """One partition of a consumed topic: the group's committed offset (None: nothing committed yet), the
    partition's first and next offsets, and the messages the group has still to handle."""

    topic: str
    partition: int
    committed: int | None
    beginning: int
    end: int

    @property
    def lag(self) -> int:
        """Messages behind the high watermark; without a commit, every retained message (the group starts
        at the earliest offset)."""
        start = self.beginning if self.committed is None else max(self.committed, self.beginning)
        return max(0, self.end - start)


@dataclass(frozen=True)
class DeadLetterCount:
    """Messages currently kept on a consumed topic's dead-letter topic (every group's)."""

    topic: str
    dlq_topic: str
    count: int


def consumer_group(service: str) -> str:
    """The one consumer group of a service (``abri_kit.app``)."""
    return f"abri-{service}"


def consumed_topics(service: str) -> list[str]:
    """The topics a service consumes, as the published contracts declare (``EventContract.consumers``)."""
    return sorted({cls.topic() for cls in registry.values() if service in cls.consumers})


def published_topics(service: str) -> list[str]:
    """The topics a service publishes to, as its contracts declare (``EventContract.service``)."""
    return sorted({cls.topic() for cls in registry.values() if cls.service() == service})


async def outbox_backlog(engine: AsyncEngine) -> OutboxBacklog:
    """The service's unsent outbox rows (the relay's gauges, read from the database)."""
    parked = func.count().filter(outbox.c.parked_at.is_not(None))
    async with engine.connect() as conn:
        count, oldest, parked_count = (
            await conn.execute(select(func.count(), func.min(outbox.c.created_at), parked).where(outbox.c.sent_at.is_(None)))
        ).one()
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
    return OutboxBacklog(unsent=int(count), oldest_unsent_age_seconds=round(max(0.0, age), 3), parked=int(parked_count))


@contextlib.asynccontextmanager
async def _offsets_reader(kafka: KafkaSettings, timeout: float) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = kafka.consumer(request_timeout_ms=max(1000, int(timeout * 1000)), client_id="abri-ops")
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of ``topics`` (those that do not exist are left out), from the cluster's metadata."""
    cluster = await consumer._client.fetch_all_metadata()  # the consumer's own view may not know the topics yet
    return [TopicPartition(topic, p) for topic in topics for p in sorted(cluster.partitions_for_topic(topic) or ())]


async def consumer_lag(kafka: KafkaSettings, group_id: str, topics: Sequence[str], *, timeout: float = 10.0) -> list[PartitionLag]:
    """The lag of ``group_id`` on every partition of ``topics`` (topics that do not exist are left out)."""
    async with asyncio.timeout(timeout):
        admin = kafka.admin(client_id="abri-ops", request_timeout_ms=max(1000, int(timeout * 1000)))
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(group_id)
        finally:
            await admin.close()
        async with _offsets_reader(kafka, timeout) as consumer:
            tps = await partitions_of(consumer, topics)
            if not tps:
                return []
            beginnings = await consumer.beginning_offsets(tps)
            ends = await consumer.end_offsets(tps)
    lags: list[PartitionLag] = []
    for tp in tps:
        meta = committed.get(tp)
        offset = meta.offset if meta is not None and meta.offset >= 0 else None
        lags.append(PartitionLag(tp.topic, tp.partition, offset, beginnings[tp], ends[tp]))
    return lags


async def dead_letter_counts(kafka: KafkaSettings, topics: Sequence[str], *, timeout: float = 10.0) -> list[DeadLetterCount]:
    """How many messages each topic's ``.dlq`` topic holds now (retention deletes the oldest)."""
    async with asyncio.timeout(timeout), _offsets_reader(kafka, timeout) as consumer:
        tps = await partitions_of(consumer, [dlq_topic(t) for t in topics])
        beginnings = await consumer.beginning_offsets(tps) if tps else {}
        ends = await consumer.end_offsets(tps) if tps else {}
    counts = dict.fromkeys(topics, 0)
    for tp in tps:
        counts[tp.topic.removesuffix(".dlq")] += ends[tp] - beginnings[tp]
    return [DeadLetterCount(topic, dlq_topic(topic), count) for topic, count in counts.items()]
