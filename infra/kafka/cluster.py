#!/usr/bin/env python3
"""A local three-node Kafka cluster (KRaft) from the same jars and ``kafka.sh`` as the single broker.

Why: a cluster that loses a broker must lose no acknowledged event, which one broker cannot show. Each node
is a ``kafka.sh`` broker with its own run dir (``<dir>/node-<id>``), ports and node id, in combined
broker + controller mode; the three form a static controller quorum of three voters. Topics get 3 replicas
and ``min.insync.replicas`` 2, like the chart's production values, so a producer with ``acks=all`` (the
services' own) goes on writing while one node is down. The nodes share one CA, broker certificate and set of
SCRAM passwords (``<dir>/security``, generated once by ``security.py``; each node's ``security`` is a link
to it), so a client connects to any of them as it does to the single broker.

Usage:
    python infra/kafka/cluster.py start [--dir .run/kafka-cluster] [--port 19092]
    python infra/kafka/cluster.py status | stop
    python infra/kafka/cluster.py kill <node id> | start-node <node id>
    python infra/kafka/cluster.py check      # topics.py --check-replication against it, as its admin

The first ``start`` of a directory fixes its ports (node ``n`` listens on ``port + 2(n-1)``, its controller
one above) and its cluster id in ``<dir>/cluster.json``; later commands read them from there.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KAFKA_SH = HERE / "kafka.sh"
SECURITY_PY = HERE / "security.py"
TOPICS_PY = HERE / "topics.py"
REPLICATION = 3
"""Replicas of every topic, internal ones included (the chart's ``kafka.strimzi.topics.replicas``)."""
MIN_INSYNC = 2
"""In-sync replicas an ``acks=all`` write needs: one node may be lost (the chart's ``min.insync.replicas``)."""
START_TIMEOUT_S = 300.0
"""Bounds one ``kafka.sh`` call; the first start may fetch the jars with Maven."""


def new_cluster_id() -> str:
    """A cluster id as ``kafka-storage random-uuid`` prints it: 16 random bytes in unpadded base64url, never
    starting with ``-`` (the tool reads that as an option)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


@dataclass(frozen=True)
class Node:
    """One combined broker + controller."""

    node_id: int
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Cluster:
    """Three nodes under one directory; every call is bounded in time."""

    directory: Path
    nodes: tuple[Node, ...]
    cluster_id: str
    heap: str = "384m"
    acls: bool = True
    """False: no per-service ACLs (a test's own cluster, used by its super user only)."""
    stop_timeout_s: int = 15
    """Then SIGKILL: the last node of a stopping cluster may wait for a quorum that has gone."""

    @classmethod
    def create(
        cls, directory: Path, ports: Sequence[tuple[int, int]], *, heap: str = "384m", acls: bool = True, stop_timeout_s: int = 15
    ) -> Cluster:
        """A new cluster on these (client, controller) ports, or the one already in ``directory``."""
        if (directory / "cluster.json").exists():
            return cls.load(directory, heap=heap, acls=acls, stop_timeout_s=stop_timeout_s)
        nodes = tuple(Node(index + 1, port, controller) for index, (port, controller) in enumerate(ports))
        cluster = cls(directory, nodes, new_cluster_id(), heap=heap, acls=acls, stop_timeout_s=stop_timeout_s)
        directory.mkdir(parents=True, exist_ok=True)
        layout = {"cluster_id": cluster.cluster_id, "nodes": [vars(node) for node in nodes]}
        (directory / "cluster.json").write_text(json.dumps(layout, indent=2) + "\n")
        return cluster

    @classmethod
    def load(cls, directory: Path, *, heap: str = "384m", acls: bool = True, stop_timeout_s: int = 15) -> Cluster:
        layout = json.loads((directory / "cluster.json").read_text())
        nodes = tuple(Node(**node) for node in layout["nodes"])
        return cls(directory, nodes, layout["cluster_id"], heap=heap, acls=acls, stop_timeout_s=stop_timeout_s)

    @property
    def bootstrap(self) -> str:
        """Every node's client listener: a client reaches the cluster while any one of them answers."""
        return ",".join(node.bootstrap for node in self.nodes)

    @property
    def voters(self) -> str:
        return ",".join(f"{node.node_id}@127.0.0.1:{node.controller_port}" for node in self.nodes)

    def node(self, node_id: int) -> Node:
        [found] = [node for node in self.nodes if node.node_id == node_id]
        return found

    def run_dir(self, node: Node) -> Path:
        return self.directory / f"node-{node.node_id}"

    def env(self, node: Node) -> dict[str, str]:
        """``kafka.sh``'s environment for one node."""
        return {
            **os.environ,
            "ABRI_KAFKA_DIR": str(self.run_dir(node)),
            "ABRI_KAFKA_PORT": str(node.port),
            "ABRI_KAFKA_CONTROLLER_PORT": str(node.controller_port),
            "ABRI_KAFKA_NODE_ID": str(node.node_id),
            "ABRI_KAFKA_QUORUM_VOTERS": self.voters,
            "ABRI_KAFKA_REPLICATION": str(REPLICATION),
            "ABRI_KAFKA_MIN_INSYNC": str(MIN_INSYNC),
            "ABRI_KAFKA_CLUSTER_ID": self.cluster_id,
            "ABRI_KAFKA_HEAP": self.heap,
            "ABRI_KAFKA_ACLS": "off",  # ACLs live in the cluster's metadata: added once, from one node (start)
            "ABRI_KAFKA_STOP_TIMEOUT": str(self.stop_timeout_s),
            "ABRI_KAFKA_WAIT_TIMEOUT": os.environ.get("ABRI_KAFKA_WAIT_TIMEOUT", "120"),
        }

    def admin_password(self) -> str:
        lines = (self.directory / "security" / "credentials.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))["ABRI_KAFKA_ADMIN_PASSWORD"]

    def admin_env(self) -> dict[str, str]:
        """``topics.py``'s environment to speak to the cluster as its admin (SASL_SSL, the shared CA)."""
        return {
            **os.environ,
            "ABRI_KAFKA_USERNAME": "admin",
            "ABRI_KAFKA_PASSWORD": self.admin_password(),
            "ABRI_KAFKA_CA_FILE": str(self.directory / "security" / "ca.pem"),
        }

    def prepare(self) -> None:
        """One CA, certificate and set of passwords for the three nodes (``security.py``, once)."""
        python = os.environ.get("ABRI_KAFKA_PYTHON", sys.executable)
        subprocess.run([python, str(SECURITY_PY), "ensure", str(self.directory)], check=True, capture_output=True, timeout=60)
        for node in self.nodes:
            run_dir = self.run_dir(node)
            run_dir.mkdir(parents=True, exist_ok=True)
            link = run_dir / "security"
            if not link.is_symlink():
                link.symlink_to(Path("..") / "security")

    def sh(self, node: Node, command: str, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        """``kafka.sh <command>`` for one node; raises with its output when it fails."""
        result = subprocess.run([str(KAFKA_SH), command], env=self.env(node), capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0 and command != "status":
            raise RuntimeError(f"node {node.node_id}: kafka.sh {command} exited {result.returncode}\n{result.stderr[-4000:]}")
        return result

    def _each(self, command: str, timeout: float = START_TIMEOUT_S) -> list[subprocess.CompletedProcess[str]]:
        """``command`` on every node at once: a node of a three-voter quorum waits for the others."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            return list(pool.map(lambda node: self.sh(node, command, timeout), self.nodes))

    def start(self) -> None:
        """Start every node (together), wait until each sees three brokers, create the declared topics, then
        add each service's ACLs once (``kafka.sh acls`` on node 1; unless ``acls`` is off)."""
        self.prepare()
        self._each("start")
        if self.acls:
            first = self.nodes[0]
            environment = {**self.env(first), "ABRI_KAFKA_ACLS": "on"}
            result = subprocess.run(
                [str(KAFKA_SH), "acls"], env=environment, capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False
            )
            if result.returncode != 0:
                raise RuntimeError(f"node {first.node_id}: kafka.sh acls exited {result.returncode}\n{result.stderr[-4000:]}")

    def start_node(self, node_id: int) -> None:
        """Restart one node (after ``kill``): it rejoins the quorum and catches up its replicas."""
        self.sh(self.node(node_id), "start")

    def kill(self, node_id: int) -> None:
        """SIGKILL one node, as a crash."""
        self.sh(self.node(node_id), "kill", timeout=60)

    def stop(self) -> None:
        """SIGTERM every node (together; SIGKILL after ``stop_timeout_s``)."""
        if self.directory.exists():
            self._each("stop", timeout=self.stop_timeout_s + 60)

    def status(self) -> dict[int, str]:
        return {node.node_id: result.stdout.strip() for node, result in zip(self.nodes, self._each("status", timeout=60), strict=True)}

    def pid(self, node_id: int) -> int | None:
        """The node's JVM, while it runs."""
        path = self.run_dir(self.node(node_id)) / "kafka.pid"
        try:
            pid = int(path.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def check_replication(self, topics_file: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``topics.py --check-replication`` against the cluster, as its admin (exit 1: a topic lacks them)."""
        python = os.environ.get("ABRI_KAFKA_PYTHON", sys.executable)
        args = [python, str(TOPICS_PY), "--bootstrap", self.bootstrap, "--check-replication", "--timeout", "60"]
        if topics_file is not None:
            args += ["--file", str(topics_file)]
        return subprocess.run(args, env=self.admin_env(), capture_output=True, text=True, timeout=120, check=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "kill", "start-node", "check"])
    parser.add_argument("node_id", nargs="?", type=int, help="kill, start-node: the node (1, 2 or 3)")
    parser.add_argument("--dir", type=Path, default=Path(".run/kafka-cluster"), help="relative: from the repo root")
    parser.add_argument("--port", type=int, default=19092, help="first node's client port, at the first start")
    options = parser.parse_args(argv)
    directory = options.dir if options.dir.is_absolute() else REPO / options.dir
    if options.command == "start":
        ports = [(options.port + 2 * index, options.port + 2 * index + 1) for index in range(REPLICATION)]
        cluster = Cluster.create(directory, ports)
    elif not (directory / "cluster.json").exists():
        print(f"cluster.py: no cluster in {directory} (run start first)", file=sys.stderr)
        return 3 if options.command == "status" else (0 if options.command == "stop" else 1)
    else:
        cluster = Cluster.load(directory)
    if options.command in ("kill", "start-node") and options.node_id is None:
        parser.error(f"{options.command} needs a node id")
    try:
        if options.command == "start":
            cluster.start()
            print(f"cluster.py: running, bootstrap {cluster.bootstrap}, admin credentials in {directory / 'security'}")
        elif options.command == "stop":
            cluster.stop()
        elif options.command == "kill":
            cluster.kill(options.node_id)
        elif options.command == "start-node":
            cluster.start_node(options.node_id)
        elif options.command == "status":
            states = cluster.status()
            for node_id, state in states.items():
                print(f"node {node_id}: {state}")
            if all(state.startswith("stopped") for state in states.values()):
                return 3
            return 0 if all(state.startswith("running") for state in states.values()) else 1
        else:
            result = cluster.check_replication()
            sys.stderr.write(result.stderr)
            return result.returncode
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"cluster.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
