"""Integration test of infra/kafka/kafka.sh against a real single-node KRaft broker.

Starts a private broker (temporary ABRI_KAFKA_DIR, free ports), so it can run
next to a developer's broker on 9092. Needs java and, for the first run, mvn.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from abri_bus.kafka import KafkaSettings
from tests.support import broker_admin, infra_module

REPO_ROOT = Path(__file__).resolve().parents[2]
KAFKA_DIR = REPO_ROOT / "infra" / "kafka"
KAFKA_SH = KAFKA_DIR / "kafka.sh"
# First run may fetch ~93 jars with Maven (about a minute) before starting.
START_TIMEOUT_S = 300
TEST_TIMEOUT_S = 420


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    return shutil.which(os.path.join(home, "bin", "java")) if home else shutil.which("java")


pytestmark = [
    pytest.mark.fault,
    pytest.mark.timeout(TEST_TIMEOUT_S),
    pytest.mark.skipif(_java() is None, reason="java not available"),
]


topics_mod = infra_module("infra/kafka/topics.py")


def _free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass(frozen=True)
class Broker:
    env: dict[str, str]
    run_dir: Path
    bootstrap: str

    def sh(self, command: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(KAFKA_SH), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kafka.sh {command} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def client(self) -> dict[str, Any]:
        """An aiokafka client's options for this broker: SASL_SSL as its admin, trusting its own CA (both
        generated at its first start)."""
        return KafkaSettings(bootstrap_servers=self.bootstrap, security=broker_admin(self.run_dir)).connection()

    def java_pids(self) -> list[int]:
        """Pids of live (non-zombie) JVMs started on this broker's config."""
        out = subprocess.run(
            ["ps", "-ww", "-eo", "pid=,stat=,args="],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        marker = f"kafka.Kafka {self.run_dir / 'server.properties'}"
        pids = []
        for line in out.splitlines():
            pid, stat, args = line.strip().split(None, 2)
            if marker in args and not stat.startswith("Z"):
                pids.append(int(pid))
        return pids


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    run_dir = tmp_path_factory.mktemp("kafka-run")
    port, controller_port = _free_ports(2)
    env = {
        **os.environ,
        "ABRI_KAFKA_DIR": str(run_dir),
        "ABRI_KAFKA_PORT": str(port),
        "ABRI_KAFKA_CONTROLLER_PORT": str(controller_port),
        "ABRI_KAFKA_HEAP": "384m",
    }
    b = Broker(env=env, run_dir=run_dir, bootstrap=f"127.0.0.1:{port}")
    try:
        b.sh("start", timeout=START_TIMEOUT_S)
        yield b
    finally:
        b.sh("stop", timeout=60)
        assert b.java_pids() == [], "kafka.sh stop left a JVM behind"
        assert not (run_dir / "kafka.pid").exists()
        assert b.sh("status", check=False).returncode == 3


async def _describe(broker: Broker) -> dict[str, Any]:
    admin = AIOKafkaAdminClient(**broker.client(), request_timeout_ms=10000)
    try:
        await admin.start()
        topics = await admin.describe_topics()
        names = [t["topic"] for t in topics if not t["is_internal"]]
        configs = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    finally:
        await admin.close()
    result: dict[str, Any] = {t["topic"]: {"partitions": len(t["partitions"])} for t in topics}
    for response in configs:
        for res in response.to_object()["resources"]:
            result[res["resource_name"]]["config"] = {e["config_names"]: e["config_value"] for e in res["config_entries"]}
    return result


def _expected() -> dict[str, Any]:
    specs = topics_mod.load_topics(KAFKA_DIR / "topics.yaml")
    return {t.name: t for t in topics_mod.kafka_topics(specs)}


def test_topics_yaml_declares_the_abri_topics() -> None:
    expected = _expected()
    events = {
        "abri.listings.unit",
        "abri.matching.household",
        "abri.matching.placement",
        "abri.guarantees.file",
        "abri.guarantees.guarantee",
        "abri.guarantees.claim",
        "abri.notifications.delivery",
        "abri.assistant.conversation",
        "abri.listings.erasure",
        "abri.guarantees.erasure",
        "abri.notifications.erasure",
        "abri.assistant.erasure",
    }
    audit = {"abri.matching.audit", "abri.guarantees.audit", "abri.notifications.audit", "abri.assistant.audit"}
    mains = events | audit
    assert set(expected) == mains | {m + ".dlq" for m in mains}
    day_ms = 24 * 3600 * 1000
    for name, topic in expected.items():
        assert topic.config.cleanup_policy == "delete"
        dead_letters = name.endswith(".dlq")
        if name.removesuffix(".dlq") in audit:  # the access logs' anchors outlive the logs they anchor (one ordered partition)
            assert topic.partitions == 1
            assert topic.config.retention_ms == (30 if dead_letters else 400) * day_ms
            continue
        assert topic.partitions == 3
        days = 30 if dead_letters else 7
        assert topic.config.retention_ms == days * day_ms


async def test_start_creates_declared_topics(broker: Broker) -> None:
    assert broker.sh("status").stdout.startswith("running")
    async with asyncio.timeout(60):
        actual = await _describe(broker)
    for name, topic in _expected().items():
        assert name in actual, f"topic {name} missing"
        assert actual[name]["partitions"] == topic.partitions
        config = actual[name]["config"]
        assert config["retention.ms"] == str(topic.config.retention_ms)
        assert config["cleanup.policy"] == topic.config.cleanup_policy


async def test_topics_twice_is_idempotent(broker: Broker) -> None:
    async with asyncio.timeout(60):
        before = await _describe(broker)
    for _ in range(2):
        result = broker.sh("topics", timeout=90)
        assert "created:" not in result.stderr
        assert result.stderr.count("exists:") == len(_expected())
    async with asyncio.timeout(60):
        after = await _describe(broker)
    assert after == before


async def test_kill_then_start_keeps_data(broker: Broker) -> None:
    topic = "abri.listings.unit"
    payload = f"survives-kill-{uuid.uuid4()}".encode()
    async with asyncio.timeout(60):
        producer = AIOKafkaProducer(**broker.client(), enable_idempotence=True, acks="all")
        await producer.start()
        try:
            meta = await producer.send_and_wait(topic, payload, key=b"unit-1")
        finally:
            await producer.stop()

    pids = broker.java_pids()
    assert len(pids) == 1
    broker.sh("kill", timeout=60)
    assert broker.java_pids() == []
    assert broker.sh("status", check=False).returncode == 3

    broker.sh("start", timeout=START_TIMEOUT_S)
    assert broker.java_pids() not in ([], pids)

    tp = TopicPartition(topic, meta.partition)
    async with asyncio.timeout(60):
        consumer = AIOKafkaConsumer(
            **broker.client(),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            consumer.assign([tp])
            consumer.seek(tp, meta.offset)
            record = await consumer.getone(tp)
        finally:
            await consumer.stop()
    assert record.offset == meta.offset
    assert record.value == payload
