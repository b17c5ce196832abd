"""Dead letters: messages a consumer could not decode or handle, set aside on ``<topic>.dlq``.

The original key, value and headers are kept unchanged; ``abri_dlq_*`` headers say why, where and who.
Ops list them and, once the cause is fixed, replay them: the consumer that set them aside applies them
again in its own process, through the same handlers and inbox (:meth:`abri_bus.consumer.EventConsumer.replay`),
so that no service ever writes to a topic it does not own (the Kafka ACLs forbid it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from abri_bus.kafka import KafkaSettings

DLQ_SUFFIX = ".dlq"
STOP_TIMEOUT_S = 5.0
HEADER_PREFIX = "abri_dlq_"
REPLAYED_FROM = "abri_replayed_from"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of ``topic``."""
    return topic + DLQ_SUFFIX


def dead_letter_headers(
    original: Sequence[tuple[str, bytes]],
    *,
    reason: str,
    error: str,
    consumer: str,
    topic: str,
    partition: int,
    offset: int,
    attempts: int,
) -> list[tuple[str, bytes]]:
    """The original headers plus the failure, for the dead-letter copy of a message."""
    kept = [(name, value) for name, value in original if not name.startswith(HEADER_PREFIX)]
    failure = {
        "reason": reason,
        "error": error[:2000],
        "consumer": consumer,
        "origin_topic": topic,
        "origin_partition": str(partition),
        "origin_offset": str(offset),
        "attempts": str(attempts),
        "failed_at": datetime.now(UTC).isoformat(),
    }
    return kept + [(HEADER_PREFIX + name, value.encode()) for name, value in failure.items()]


@dataclass(frozen=True)
class DeadLetter:
    """One message on a dead-letter topic."""

    dlq_topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        """A header's text value, or None."""
        for key, value in self.headers:
            if key == name:
                return value.decode(errors="replace")
        return None

    @property
    def origin_topic(self) -> str:
        """The topic the message came from."""
        return self.header(HEADER_PREFIX + "origin_topic") or self.dlq_topic.removesuffix(DLQ_SUFFIX)

    @property
    def reason(self) -> str:
        """undecodable, schema_invalid or handler_failed."""
        return self.header(HEADER_PREFIX + "reason") or "unknown"

    @property
    def error(self) -> str:
        """The last error."""
        return self.header(HEADER_PREFIX + "error") or ""

    @property
    def event_id(self) -> str | None:
        """The CloudEvents id, when the message had one."""
        return self.header("ce_id")

    @property
    def consumer(self) -> str | None:
        """The consumer group that set it aside."""
        return self.header(HEADER_PREFIX + "consumer")

    def original(self) -> ConsumerRecord[bytes, bytes]:
        """The message as its consumer first received it: its topic, partition and offset, its headers
        without the dead-letter ones."""
        partition, offset = self.header(HEADER_PREFIX + "origin_partition"), self.header(HEADER_PREFIX + "origin_offset")
        headers = tuple((n, v) for n, v in self.headers if not n.startswith(HEADER_PREFIX) and n != REPLAYED_FROM)
        return ConsumerRecord(
            topic=self.origin_topic,
            partition=int(partition) if partition and partition.isdigit() else self.partition,
            offset=int(offset) if offset and offset.isdigit() else self.offset,
            timestamp=0,
            timestamp_type=0,
            key=self.key,
            value=self.value,
            checksum=None,
            serialized_key_size=len(self.key or b""),
            serialized_value_size=len(self.value or b""),
            headers=headers,
        )


async def read_topic_to_end(
    kafka: KafkaSettings, topic: str, *, limit: int = 1000, timeout: float = 10.0, after: tuple[int, int] | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """The messages on ``topic`` up to its current end, in (partition, offset) order, at most ``limit``;
    with ``after`` (a partition and an offset), those that come after it: a page after the last one read."""
    consumer = kafka.consumer(request_timeout_ms=max(1000, int(timeout * 1000)))
    try:
        async with asyncio.timeout(timeout):  # every step, the broker's handshakes included: never longer
            await consumer.start()
            cluster = await consumer._client.fetch_all_metadata()  # the consumer's own view may not know the topic yet
            last_partition, last_offset = after if after is not None else (-1, -1)
            records: list[ConsumerRecord[bytes, bytes]] = []
            for partition in sorted(cluster.partitions_for_topic(topic) or ()):
                if partition < last_partition or len(records) >= limit:
                    continue
                tp = TopicPartition(topic, partition)
                consumer.assign([tp])
                begin, end = (await consumer.beginning_offsets([tp]))[tp], (await consumer.end_offsets([tp]))[tp]
                first = max(begin, last_offset + 1) if partition == last_partition else begin
                if first >= end:
                    continue
                consumer.seek(tp, first)
                while len(records) < limit and await consumer.position(tp) < end:
                    batch = await consumer.getmany(tp, timeout_ms=500, max_records=limit - len(records))
                    records += [m for m in batch.get(tp, []) if m.offset < end]
            return records[:limit]
    finally:
        await _stop(consumer)


async def _stop(consumer: AIOKafkaConsumer) -> None:
    """Close a reading consumer, waiting a few seconds at most: a request never hangs on a slow broker."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(consumer.stop(), STOP_TIMEOUT_S)


async def list_dead_letters(
    kafka: KafkaSettings, topic: str, *, limit: int = 1000, timeout: float = 10.0, after: tuple[int, int] | None = None
) -> list[DeadLetter]:
    """The messages currently on ``topic`` (a ``.dlq`` topic) in (partition, offset) order, at most ``limit``,
    after the partition and offset ``after`` when given."""
    records = await read_topic_to_end(kafka, topic, limit=limit, timeout=timeout, after=after)
    return [DeadLetter(topic, m.partition, m.offset, m.key, m.value, tuple(m.headers)) for m in records]


async def read_dead_letter(kafka: KafkaSettings, topic: str, partition: int, offset: int, *, timeout: float = 10.0) -> DeadLetter | None:
    """The dead letter at ``partition``/``offset`` of ``topic``, read directly (no scan of the topic)."""
    consumer = kafka.consumer(request_timeout_ms=max(1000, int(timeout * 1000)))
    try:
        async with asyncio.timeout(timeout):  # every step, the broker's handshakes included
            await consumer.start()
            tp = TopicPartition(topic, partition)
            cluster = await consumer._client.fetch_all_metadata()
            if partition not in (cluster.partitions_for_topic(topic) or set()):
                return None
            consumer.assign([tp])
            ends = await consumer.end_offsets([tp])
            if offset >= ends[tp]:
                return None
            consumer.seek(tp, offset)
            while True:
                batch = await consumer.getmany(tp, timeout_ms=500, max_records=1)
                for message in batch.get(tp, []):
                    if message.offset == offset:
                        return DeadLetter(topic, partition, message.offset, message.key, message.value, tuple(message.headers))
                    return None  # the offset was deleted by retention
    finally:
        await _stop(consumer)
