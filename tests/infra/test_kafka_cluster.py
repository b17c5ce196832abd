"""A three-node Kafka cluster loses its busiest partition's leader under load and loses and repeats nothing.

Why: in production Kafka runs as a cluster (3 replicas, ``min.insync.replicas`` 2, the chart's values) and a
broker is lost now and then (a node drained, a crash). The services' producer (``KafkaSettings.producer``:
idempotent, ``acks=all``) must then keep every acknowledged event, write none twice, and go on writing once
another replica leads. The fault: both followers stall (SIGSTOP) while the leader appends, then the leader
is SIGKILLed and they resume, so what only the leader held is gone (with ``acks=1`` about 1,500 acknowledged
records are lost; ``acks=all`` never acknowledged them and the producer sends them again). The cluster is the
test's own (``infra/kafka/cluster.py``: the same jars and ``kafka.sh`` as the single broker, free ports on
127.0.0.1), stopped in the fixture's teardown whatever happens. ``topics.py --check-replication``, the
documented check of a cluster's topics, is tested on it too.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from aiokafka import TopicPartition
from aiokafka.admin import NewTopic

from tests.cluster_support import KafkaCluster
from tests.support import REPO

TOPICS_YAML = REPO / "infra" / "kafka" / "topics.yaml"
TOPIC = "abri.listings.unit"
"""A declared topic (created by the nodes' start from topics.yaml, with 3 replicas)."""
PARTITION = 0
RECORDS = 20_000
RATE_PER_S = 2_500
"""A steady load: RECORDS in about 8 s, paced in ticks of TICK records."""
TICK = 125
STALL_AT_S = 2.0
"""When both followers stall (SIGSTOP, as a long GC pause or a slow disk): the leader goes on appending
records that only it holds."""
KILL_AFTER_S = 0.6
"""The leader is SIGKILLed that long into the stall, then the followers resume: the records only it held
are gone. ``acks=all`` never acknowledged them, so the producer sends them again to the new leader (once,
thanks to idempotence); with ``acks=1`` they would be acknowledged and lost."""


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    return shutil.which(os.path.join(home, "bin", "java")) if home else shutil.which("java")


pytestmark = [
    pytest.mark.fault,
    pytest.mark.timeout(600),
    pytest.mark.skipif(_java() is None, reason="java not available"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    started = time.monotonic()
    cluster = KafkaCluster(Path(tmp_path_factory.mktemp("kafka-cluster")))
    try:
        cluster.start()
        print(f"cluster of 3 nodes ready in {time.monotonic() - started:.1f}s")
        yield cluster
    finally:
        stopping = time.monotonic()
        cluster.stop()
        print(f"cluster stopped in {time.monotonic() - stopping:.1f}s")
        assert cluster.running() == [], "a node's JVM outlived the cluster's stop"


async def test_the_declared_topics_have_three_replicas_and_two_in_sync(cluster: KafkaCluster, tmp_path: Path) -> None:
    """The check passes on the cluster's topics, and fails, naming them, on a topic of one replica and on a
    topic whose writes need only one replica in sync."""
    result = await asyncio.to_thread(cluster.infra.check_replication)
    assert result.returncode == 0, result.stderr
    assert "every declared topic has at least 3 replicas and 2 in sync" in result.stderr

    async def create_weak_topics() -> None:
        admin = cluster.kafka().admin()
        await asyncio.wait_for(admin.start(), 30)
        try:
            await asyncio.wait_for(
                admin.create_topics(
                    [
                        NewTopic("abri.tests.single", num_partitions=1, replication_factor=1),
                        NewTopic("abri.tests.lenient", num_partitions=1, replication_factor=3, topic_configs={"min.insync.replicas": "1"}),
                    ]
                ),
                60,
            )
        finally:
            await asyncio.wait_for(admin.close(), 10)

    await create_weak_topics()
    declared = yaml.safe_load(TOPICS_YAML.read_text())
    config = {"retention.ms": 3_600_000, "cleanup.policy": "delete"}
    declared["topics"] += [
        {"name": "abri.tests.single", "partitions": 1, "config": config},
        {"name": "abri.tests.lenient", "partitions": 1, "config": config},
        {"name": "abri.tests.absent", "partitions": 1, "config": config},
    ]
    weak = tmp_path / "topics.yaml"
    weak.write_text(yaml.safe_dump(declared))
    result = await asyncio.to_thread(cluster.infra.check_replication, weak)
    assert result.returncode == 1, result.stderr
    problems = [line for line in result.stderr.splitlines() if "not replicated enough" in line]
    assert sorted({line.split("not replicated enough: ")[1].split(":")[0] for line in problems}) == [
        "abri.tests.absent",
        "abri.tests.lenient",
        "abri.tests.single",
    ], result.stderr
    assert any("abri.tests.single: 1 replicas" in line for line in problems)
    assert any("abri.tests.lenient: min.insync.replicas=1" in line for line in problems)


async def test_killing_a_busy_partition_s_leader_loses_and_repeats_nothing(cluster: KafkaCluster) -> None:
    before = await cluster.partition(TOPIC, PARTITION)
    assert sorted(before["replicas"]) == [1, 2, 3] and sorted(before["isr"]) == [1, 2, 3], before
    leader = int(before["leader"])

    producer = cluster.kafka().producer()  # the services' own: idempotent, acks=all
    assert producer._sender._acks == -1  # acks=all
    loop = asyncio.get_running_loop()
    futures: list[asyncio.Future[object]] = []
    waits: list[float] = []  # each record's time from send to acknowledgement
    killed_at: list[float] = []
    sent_after_kill = 0
    followers = [node for node in before["replicas"] if node != leader]
    pids = {node: cluster.infra.pid(node) for node in before["replicas"]}
    assert None not in pids.values(), pids

    async def stall_followers_then_kill_the_leader() -> None:
        """On a clock of its own: a send may wait (a full batch) while no replica acknowledges."""
        await asyncio.sleep(STALL_AT_S)
        try:
            for node in followers:
                os.kill(pids[node], signal.SIGSTOP)
            await asyncio.sleep(KILL_AFTER_S)
            os.kill(pids[leader], signal.SIGKILL)
            killed_at.append(loop.time())
        finally:
            for node in followers:
                os.kill(pids[node], signal.SIGCONT)
        await asyncio.to_thread(cluster.kill, leader)  # kafka.sh forgets the dead JVM's pid file

    await asyncio.wait_for(producer.start(), 60)
    fault: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(180):
            start = loop.time()
            fault = asyncio.create_task(stall_followers_then_kill_the_leader())
            for number in range(RECORDS):
                if number % TICK == 0:
                    await asyncio.sleep(max(0.0, start + number / RATE_PER_S - loop.time()))
                sent = loop.time()
                future = await producer.send(TOPIC, str(number).encode(), partition=PARTITION)
                future.add_done_callback(lambda _, sent=sent: waits.append(loop.time() - sent))
                futures.append(future)
                if killed_at:
                    sent_after_kill += 1
            await fault
            acknowledged = await asyncio.gather(*futures)
            finished = loop.time()
    finally:
        if fault is not None and not fault.done():
            fault.cancel()  # its own finally resumes the followers
            await asyncio.gather(fault, return_exceptions=True)
        await asyncio.wait_for(producer.stop(), 60)
    print(
        f"{RECORDS} records acknowledged in {finished - start:.1f}s; leader {leader} killed at {killed_at[0] - start:.1f}s; "
        f"longest wait for an acknowledgement {max(waits):.1f}s"
    )

    assert leader not in cluster.running()
    assert sent_after_kill > RECORDS // 4, "the load went on after the leader's death"
    assert max(waits) > 1.0, "records were in flight while no replica led (the leader's session outlives it by seconds)"
    offsets = [record.offset for record in acknowledged]  # type: ignore[attr-defined]
    assert offsets == list(range(offsets[0], offsets[0] + RECORDS)), "each acknowledged record has its own next offset"
    during = await cluster.partition(TOPIC, PARTITION)
    assert during["leader"] not in (-1, leader) and leader not in during["isr"], during

    tp = TopicPartition(TOPIC, PARTITION)
    consumer = cluster.kafka().consumer(auto_offset_reset="earliest")
    await asyncio.wait_for(consumer.start(), 60)
    values: list[int] = []
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        end = (await asyncio.wait_for(consumer.end_offsets([tp]), 30))[tp]
        async with asyncio.timeout(60):
            while await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=1000, max_records=5_000)
                values += [int(record.value) for record in batch.get(tp, []) if record.value is not None]
    finally:
        await asyncio.wait_for(consumer.stop(), 30)
    assert len(values) == len(set(values)), f"{len(values) - len(set(values))} records written twice"
    assert sorted(set(range(RECORDS)) - set(values)) == [], "records lost"
    assert values == list(range(RECORDS)), "the partition holds every record once, in order"

    restarted = loop.time()
    await asyncio.to_thread(cluster.start_node, leader)

    async def rejoined() -> bool:
        return leader in (await cluster.partition(TOPIC, PARTITION))["isr"]

    async with asyncio.timeout(90):
        while not await rejoined():
            await asyncio.sleep(0.5)
    print(f"node {leader} restarted and back in sync in {loop.time() - restarted:.1f}s")
    result = await asyncio.to_thread(cluster.infra.check_replication)
    assert result.returncode == 0, result.stderr
