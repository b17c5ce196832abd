"""A three-node Kafka cluster of a test's own (``infra/kafka/cluster.py``), on free ports, that it may kill."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from abri_bus.kafka import KafkaSettings
from tests.support import broker_admin, free_port, infra_module

cluster_module = infra_module("infra/kafka/cluster.py")


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (``free_port`` may hand the same one twice)."""
    ports: list[int] = []
    for _ in range(count * 20):
        port = free_port()
        if port not in ports:
            ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"could not find {count} distinct free ports")


class KafkaCluster:
    """Three combined broker + controller nodes (3 replicas, ``min.insync.replicas`` 2), spoken to as their
    admin (no per-service ACLs), with a small heap each (3 × 384 MB on a 2-core machine)."""

    def __init__(self, directory: Path) -> None:
        ports = _free_ports(6)
        pairs = [(ports[2 * index], ports[2 * index + 1]) for index in range(3)]
        self.directory = directory
        self.infra: Any = cluster_module.Cluster.create(directory, pairs, heap="384m", acls=False, stop_timeout_s=15)

    @property
    def bootstrap(self) -> str:
        return str(self.infra.bootstrap)

    def kafka(self) -> KafkaSettings:
        """A client's settings for the cluster (every node's address), as its admin."""
        return KafkaSettings(bootstrap_servers=self.bootstrap, client_id="abri-tests", security=broker_admin(self.directory))

    def start(self) -> None:
        self.infra.start()

    def stop(self) -> None:
        self.infra.stop()

    def kill(self, node_id: int) -> None:
        self.infra.kill(node_id)

    def start_node(self, node_id: int) -> None:
        self.infra.start_node(node_id)

    def running(self) -> list[int]:
        """The ids of the nodes whose JVM is alive."""
        return [node.node_id for node in self.infra.nodes if self.infra.pid(node.node_id) is not None]

    async def partition(self, topic: str, partition: int) -> dict[str, Any]:
        """A partition's metadata (``leader``, ``replicas``, ``isr``), as any live node tells it."""
        admin = self.kafka().admin()
        try:
            await asyncio.wait_for(admin.start(), 30)
            [described] = await asyncio.wait_for(admin.describe_topics([topic]), 30)
        finally:
            await asyncio.wait_for(admin.close(), 10)
        [found] = [p for p in described["partitions"] if p["partition"] == partition]
        return dict(found)
