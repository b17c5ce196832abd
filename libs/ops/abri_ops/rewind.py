"""Rewinding a consumer group after a restore: a service's database restored from a backup no longer holds
the events it had applied since, but Kafka still has them. Its group's committed offsets are moved back,
on every partition it consumes (never forward), to the earlier of

- the first record after the last one the restored inbox holds for that partition (what the backup had
  applied: exact, however far behind the consumer was when the backup was taken), and
- the first record at or after the given moment (the backup's, minus a margin; the only guide for a
  partition the inbox holds nothing of).

Restarted, the service applies those events again; its inbox skips the ones the backup already held. The
service must be stopped: Kafka refuses a commit for a group that has members.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from aiokafka import TopicPartition
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus.kafka import KafkaSettings
from abri_bus.tables import inbox
from abri_kit.bus_status import partitions_of


@dataclass(frozen=True)
class Rewound:
    """One partition: where the group was, and where it now resumes."""

    topic: str
    partition: int
    was: int | None
    now: int


class GroupActive(Exception):
    """The group still has members: the service runs (or a killed member has not timed out yet)."""


async def describe(kafka: KafkaSettings, group: str) -> tuple[str, set[str]]:
    """The group's state (``Stable``, ``Empty``...) and its members' ids."""
    admin = kafka.admin(client_id="abri-ops")
    await admin.start()
    try:
        for response in await admin.describe_consumer_groups([group]):
            for described in response.groups:  # (error, group, state, protocol type, protocol, members)
                if described[1] == group:
                    return str(described[2]), {str(member[0]) for member in described[5]}
        return "", set()
    finally:
        await admin.close()


async def members(kafka: KafkaSettings, group: str) -> int:
    """How many members ``group`` has now (a killed process stays one until its session times out)."""
    return len((await describe(kafka, group))[1])


async def applied_offsets(engine: AsyncEngine, group: str) -> dict[TopicPartition, int]:
    """The last offset of each partition the (restored) inbox says ``group`` applied."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(inbox.c.topic, inbox.c.partition, func.max(inbox.c.offset))
            .where(inbox.c.consumer == group)
            .group_by(inbox.c.topic, inbox.c.partition)
        )
        return {TopicPartition(topic, partition): int(offset) for topic, partition, offset in rows}


async def rewind(
    kafka: KafkaSettings, group: str, topics: Sequence[str], to: datetime, applied: Mapping[TopicPartition, int] | None = None
) -> list[Rewound]:
    """Move ``group``'s committed offsets on ``topics`` back to the earlier of the first record at or after
    ``to`` and the one after the last ``applied`` (the restored inbox's: :func:`applied_offsets`)."""
    if to.tzinfo is None:
        raise ValueError("the moment needs its time zone (e.g. 2026-12-06T08:00:00+00:00)")
    active = await members(kafka, group)
    if active:
        raise GroupActive(
            f"{group} has {active} member(s): stop the service first (a killed replica leaves the group when its session times out)"
        )
    admin = kafka.admin(client_id="abri-ops")
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    consumer = kafka.consumer(group_id=group, client_id="abri-ops")
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topics)
        if not partitions:
            return []
        consumer.assign(partitions)  # assigned, not subscribed: no member joins the group
        found = await consumer.offsets_for_times({tp: int(to.timestamp() * 1000) for tp in partitions})
        ends = await consumer.end_offsets(partitions)
        moves: dict[TopicPartition, OffsetAndMetadata] = {}
        result: list[Rewound] = []
        for tp in partitions:
            at = found[tp].offset if found.get(tp) is not None else ends[tp]  # nothing since: the end
            if applied is not None and tp in applied:
                at = min(at, applied[tp] + 1)
            was = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else None
            now = at if was is None else min(was, at)  # never forward
            moves[tp] = OffsetAndMetadata(now, "")
            result.append(Rewound(tp.topic, tp.partition, was, now))
        await consumer.commit(moves)  # refused while the group has members (the service still running)
        return result
    finally:
        await consumer.stop()
