"""Every clock the suite reads tells the same time: this process, PostgreSQL and the Kafka broker.

A test that compares the app's time with the database's or the broker's would pass or fail by
accident if they disagreed. Under ``make test-timeshift`` (libfaketime preloaded, ``ABRI_TIMESHIFT_OFFSET``
set) the same checks prove that the shift reached every server, and that the shift is real: the kernel
stamps a new file with the true time, which libfaketime does not change.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.support import database_url, kafka_client

pytestmark = pytest.mark.timeout(120)
AGREEMENT_S = 30


async def test_postgresql_reads_the_same_clock_as_the_tests() -> None:
    connection = await asyncpg.connect(database_url("listings").replace("postgresql+asyncpg://", "postgresql://"))
    try:
        database_now = (await connection.fetchval("SELECT clock_timestamp()")).timestamp()
    finally:
        await connection.close()
    assert abs(database_now - time.time()) < AGREEMENT_S


async def test_the_broker_stamps_records_with_the_same_clock_as_the_tests() -> None:
    topic = f"clock-check-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(**kafka_client(), request_timeout_ms=10000)
    await admin.start()
    try:  # the broker's own time, not the producer's: LogAppendTime
        await admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"message.timestamp.type": "LogAppendTime"})])
        producer = AIOKafkaProducer(**kafka_client())
        await producer.start()
        try:
            sent_at = time.time()
            metadata = await producer.send_and_wait(topic, b"tick", timestamp_ms=0)
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(**kafka_client(), enable_auto_commit=False)
        await consumer.start()
        try:
            partition = TopicPartition(topic, metadata.partition)
            consumer.assign([partition])
            consumer.seek(partition, metadata.offset)
            record = await consumer.getone()
        finally:
            await consumer.stop()
    finally:
        await admin.delete_topics([topic])
        await admin.close()
    assert record.timestamp_type == 1  # stamped by the broker, which ignored the producer's 0
    assert abs(record.timestamp / 1000 - sent_at) < AGREEMENT_S


def test_a_shifted_run_is_really_shifted(tmp_path: Path) -> None:
    offset = int(os.environ.get("ABRI_TIMESHIFT_OFFSET", "0"))
    stamp = tmp_path / "stamp"
    stamp.write_bytes(b"")
    kernel_time = stamp.stat().st_mtime  # the true time: the kernel's, which libfaketime does not touch
    assert abs(time.time() - kernel_time - offset) < AGREEMENT_S
