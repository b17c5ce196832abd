#!/usr/bin/env python3
"""Create the Abri Kafka topics declared in topics.yaml (idempotent).

Usage:
    python infra/kafka/topics.py --bootstrap 127.0.0.1:9092      # create missing topics
    python infra/kafka/topics.py --bootstrap 127.0.0.1:9092 --check  # wait for metadata only
    python infra/kafka/topics.py --bootstrap <brokers> --check-replication  # a cluster's topics: 3 replicas, 2 in sync

Library:
    specs = load_topics(Path("infra/kafka/topics.yaml"))
    await ensure_topics("127.0.0.1:9092", specs)

Every network operation is bounded in time (``timeout_s``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiokafka.admin import (  # type: ignore[import-untyped,unused-ignore]
    AIOKafkaAdminClient,
    NewTopic,
)
from aiokafka.admin.config_resource import (  # type: ignore[import-untyped,unused-ignore]
    ConfigResource,
    ConfigResourceType,
)
from aiokafka.errors import (  # type: ignore[import-untyped,unused-ignore]
    KafkaError,
    TopicAlreadyExistsError,
    for_code,
)
from aiokafka.helpers import create_ssl_context  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "DEFAULT_TOPICS_FILE",
    "DLQ_SUFFIX",
    "BrokerCheckError",
    "KafkaTopic",
    "TopicConfig",
    "TopicSpec",
    "TopicsFileError",
    "check_replication",
    "ensure_topics",
    "kafka_topics",
    "load_topics",
    "wait_ready",
]

log = logging.getLogger("abri.kafka.topics")

DEFAULT_TOPICS_FILE = Path(__file__).resolve().parent / "topics.yaml"
DLQ_SUFFIX = ".dlq"
TOPIC_NAME_RE = re.compile(r"^abri\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$")
CLEANUP_POLICIES = frozenset({"delete", "compact", "compact,delete", "delete,compact"})
CONFIG_KEYS = frozenset({"retention.ms", "cleanup.policy"})
OPTIONAL_CONFIG_KEYS = frozenset({"segment.ms"})


DEFAULT_SEGMENT_MS = 604_800_000
"""Kafka's own default (7 days) when a topic declares none: a record may then outlive its retention by up
to that much. Declare ``segment.ms`` on every topic that points to personal data."""


class TopicsFileError(ValueError):
    """topics.yaml is malformed."""


class BrokerCheckError(RuntimeError):
    """The broker cannot become ready (process exited, wrong cluster)."""


@dataclass(frozen=True)
class TopicConfig:
    """Kafka topic-level configs we manage."""

    retention_ms: int
    segment_ms: int
    """How often the broker rolls a new log segment: it deletes whole segments only, so a record lives at
    most ``retention_ms + segment_ms`` (docs/privacy.md, "Kafka topics")."""
    cleanup_policy: str

    def as_kafka(self) -> dict[str, str]:
        return {
            "retention.ms": str(self.retention_ms),
            "segment.ms": str(self.segment_ms),
            "cleanup.policy": self.cleanup_policy,
        }


@dataclass(frozen=True)
class TopicSpec:
    """One entry of topics.yaml: a main topic and its optional dead-letter topic."""

    name: str
    partitions: int
    config: TopicConfig
    dlq: TopicConfig | None  # None: no dead-letter topic

    @property
    def dlq_name(self) -> str | None:
        return self.name + DLQ_SUFFIX if self.dlq is not None else None


@dataclass(frozen=True)
class KafkaTopic:
    """A concrete Kafka topic to create (main or DLQ)."""

    name: str
    partitions: int
    config: TopicConfig


def kafka_topics(specs: Sequence[TopicSpec]) -> list[KafkaTopic]:
    """Expand specs into concrete topics: each main topic, then its DLQ (same partitions)."""
    out: list[KafkaTopic] = []
    for spec in specs:
        out.append(KafkaTopic(spec.name, spec.partitions, spec.config))
        if spec.dlq is not None:
            out.append(KafkaTopic(spec.name + DLQ_SUFFIX, spec.partitions, spec.dlq))
    return out


# --------------------------------------------------------------------------- loading


def _parse_config(raw: object, where: str) -> TopicConfig:
    if not isinstance(raw, Mapping):
        raise TopicsFileError(f"{where}: 'config' must be a mapping")
    keys = {str(k) for k in raw}
    if not CONFIG_KEYS <= keys <= CONFIG_KEYS | OPTIONAL_CONFIG_KEYS:
        raise TopicsFileError(
            f"{where}: config keys must be {sorted(CONFIG_KEYS)} and optionally {sorted(OPTIONAL_CONFIG_KEYS)}, got {sorted(keys)}"
        )
    retention = raw["retention.ms"]
    if isinstance(retention, bool) or not isinstance(retention, int) or retention < -1:
        raise TopicsFileError(f"{where}: retention.ms must be an integer >= -1")
    segment = raw.get("segment.ms", DEFAULT_SEGMENT_MS)
    if isinstance(segment, bool) or not isinstance(segment, int) or segment < 1:
        raise TopicsFileError(f"{where}: segment.ms must be a positive integer")
    if "segment.ms" in raw and retention != -1 and segment > retention:
        raise TopicsFileError(f"{where}: segment.ms must not exceed retention.ms (a record would outlive its retention by a segment)")
    policy = raw["cleanup.policy"]
    if not isinstance(policy, str) or policy not in CLEANUP_POLICIES:
        raise TopicsFileError(f"{where}: cleanup.policy must be one of {sorted(CLEANUP_POLICIES)}")
    return TopicConfig(retention_ms=retention, segment_ms=segment, cleanup_policy=policy)


def _parse_topic(raw: object, index: int) -> TopicSpec:
    where = f"topics[{index}]"
    if not isinstance(raw, Mapping):
        raise TopicsFileError(f"{where}: must be a mapping")
    unknown = {str(k) for k in raw} - {"name", "partitions", "config", "dlq"}
    if unknown:
        raise TopicsFileError(f"{where}: unknown keys {sorted(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not TOPIC_NAME_RE.match(name):
        raise TopicsFileError(f"{where}: name must match abri.<service>.<aggregate>, got {name!r}")
    where = f"topics[{index}] ({name})"
    partitions = raw.get("partitions")
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise TopicsFileError(f"{where}: partitions must be a positive integer")
    config = _parse_config(raw.get("config"), where)
    dlq_raw = raw.get("dlq")
    dlq: TopicConfig | None = None
    if dlq_raw is not None:
        if not isinstance(dlq_raw, Mapping):
            raise TopicsFileError(f"{where}: 'dlq' must be a mapping")
        enabled = dlq_raw.get("enabled")
        if not isinstance(enabled, bool):
            raise TopicsFileError(f"{where}: dlq.enabled must be true or false")
        unknown = {str(k) for k in dlq_raw} - {"enabled", "config"}
        if unknown:
            raise TopicsFileError(f"{where}: unknown dlq keys {sorted(unknown)}")
        if enabled:
            dlq = _parse_config(dlq_raw.get("config"), f"{where} dlq")
    return TopicSpec(name=name, partitions=partitions, config=config, dlq=dlq)


def load_topics(path: Path | str = DEFAULT_TOPICS_FILE) -> list[TopicSpec]:
    """Read and validate topics.yaml."""
    with open(path, encoding="utf-8") as fh:
        doc: object = yaml.safe_load(fh)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("topics"), list):
        raise TopicsFileError(f"{path}: top level must be a mapping with a 'topics' list")
    specs = [_parse_topic(raw, i) for i, raw in enumerate(doc["topics"])]
    seen: set[str] = set()
    for topic in kafka_topics(specs):
        if topic.name in seen:
            raise TopicsFileError(f"{path}: duplicate topic {topic.name}")
        seen.add(topic.name)
    return specs


# --------------------------------------------------------------------------- broker


def security_options() -> dict[str, Any]:
    """SASL_SSL (SCRAM-SHA-512) from ``ABRI_KAFKA_USERNAME``, ``ABRI_KAFKA_PASSWORD`` and ``ABRI_KAFKA_CA_FILE``
    (kafka.sh sets the admin's); none when no user is set (a plaintext broker)."""
    username = os.environ.get("ABRI_KAFKA_USERNAME")
    if not username:
        return {}
    return {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": username,
        "sasl_plain_password": os.environ.get("ABRI_KAFKA_PASSWORD", ""),
        "ssl_context": create_ssl_context(cafile=os.environ.get("ABRI_KAFKA_CA_FILE")),
    }


def _admin(bootstrap: str, request_timeout_s: float) -> Any:
    return AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="abri-topics",
        request_timeout_ms=max(1000, int(request_timeout_s * 1000)),
        **security_options(),
    )


async def _close(admin: Any) -> None:
    with contextlib.suppress(Exception):
        await admin.close()


async def _partition_counts(admin: Any, names: list[str] | None = None) -> dict[str, int]:
    """Topic name -> partition count, for topics the broker knows (error_code 0)."""
    topics: list[dict[str, Any]] = await admin.describe_topics(names)
    return {str(t["topic"]): len(t["partitions"]) for t in topics if t["error_code"] == 0 and not t["is_internal"]}


async def _report_config_drift(admin: Any, topics: list[KafkaTopic]) -> None:
    """Warn when an existing topic's managed configs differ from topics.yaml."""
    if not topics:
        return
    responses: list[Any] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t.name) for t in topics])
    actual: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.to_object()["resources"]:
            actual[str(resource["resource_name"])] = {str(e["config_names"]): str(e["config_value"]) for e in resource["config_entries"]}
    for topic in topics:
        have = actual.get(topic.name, {})
        for key, want in topic.config.as_kafka().items():
            if have.get(key) != want:
                log.warning(
                    "drift: %s %s=%s (topics.yaml says %s; not changed)",
                    topic.name,
                    key,
                    have.get(key),
                    want,
                )


async def _wait_for_leaders(admin: Any, names: list[str]) -> None:
    """Poll metadata until every partition of every topic in names has a leader."""
    while True:
        topics: list[dict[str, Any]] = await admin.describe_topics(names)
        ready = {
            str(t["topic"]) for t in topics if t["error_code"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"])
        }
        if ready >= set(names):
            return
        await asyncio.sleep(0.2)


async def ensure_topics(
    bootstrap: str,
    specs: Sequence[TopicSpec],
    *,
    replication_factor: int = 1,
    timeout_s: float = 60.0,
) -> None:
    """Create the missing topics (and their DLQs) of specs; report those that exist.

    Idempotent. Existing topics are not altered: a partition count or a
    retention.ms / cleanup.policy differing from the spec is only reported.
    Waits until every partition has a leader. Raises TimeoutError after timeout_s.
    """
    wanted = kafka_topics(specs)
    async with asyncio.timeout(timeout_s):
        admin = _admin(bootstrap, timeout_s)
        try:
            await admin.start()
            existing = await _partition_counts(admin)
            missing: list[KafkaTopic] = []
            present: list[KafkaTopic] = []
            for topic in wanted:
                count = existing.get(topic.name)
                if count is None:
                    missing.append(topic)
                    continue
                present.append(topic)
                if count != topic.partitions:
                    log.warning(
                        "exists: %s with %d partitions (topics.yaml says %d; not changed)",
                        topic.name,
                        count,
                        topic.partitions,
                    )
                else:
                    log.info("exists: %s (%d partitions)", topic.name, count)
            await _report_config_drift(admin, present)
            if missing:
                response = await admin.create_topics(
                    [
                        NewTopic(
                            name=t.name,
                            num_partitions=t.partitions,
                            replication_factor=replication_factor,
                            topic_configs=t.config.as_kafka(),
                        )
                        for t in missing
                    ],
                    timeout_ms=max(1000, int(timeout_s * 1000)),
                )
                failures: list[str] = []
                by_name = {t.name: t for t in missing}
                for entry in response.topic_errors:
                    name, code = str(entry[0]), int(entry[1])
                    message = entry[2] if len(entry) > 2 else None
                    if code == 0:
                        log.info(
                            "created: %s (%d partitions)",
                            name,
                            by_name[name].partitions,
                        )
                    elif code == TopicAlreadyExistsError.errno:
                        log.info("exists: %s (created concurrently)", name)
                    else:
                        failures.append(f"{name}: {for_code(code).__name__} {message or ''}")
                if failures:
                    raise RuntimeError("topic creation failed: " + "; ".join(failures))
            await _wait_for_leaders(admin, [t.name for t in wanted])
        finally:
            await _close(admin)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs: trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


async def wait_ready(
    bootstrap: str,
    timeout_s: float = 60.0,
    *,
    pid: int | None = None,
    cluster_id: str | None = None,
    min_brokers: int = 1,
) -> None:
    """Wait until the broker answers a metadata request listing at least ``min_brokers`` brokers (a node
    of a cluster: as many as a topic has replicas, so that its topics can be created).

    If pid is given, fail fast when that process dies. If cluster_id is given,
    only a broker of that cluster counts (guards against another broker that
    already holds the port). Raises TimeoutError or BrokerCheckError.
    """
    deadline = time.monotonic() + timeout_s
    last_error = "no attempt"
    while True:
        if pid is not None and not _pid_alive(pid):
            raise BrokerCheckError(f"broker process {pid} exited")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"{bootstrap} not ready after {timeout_s:.0f}s: {last_error}")
        attempt = min(5.0, remaining)
        admin = _admin(bootstrap, attempt)
        try:
            async with asyncio.timeout(attempt):
                await admin.start()
                cluster: dict[str, Any] = await admin.describe_cluster()
            if len(cluster.get("brokers") or ()) < min_brokers:
                last_error = f"{len(cluster.get('brokers') or ())} of {min_brokers} brokers registered"
            elif cluster_id is not None and cluster.get("cluster_id") != cluster_id:
                raise BrokerCheckError(
                    f"{bootstrap} answers for cluster {cluster.get('cluster_id')}, expected {cluster_id} (port taken by another broker?)"
                )
            else:
                return
        except BrokerCheckError:
            raise
        except (KafkaError, OSError, TimeoutError) as exc:  # refused, not ready...
            last_error = f"{type(exc).__name__}: {exc}"
        finally:
            await _close(admin)
        await asyncio.sleep(min(0.3, max(0.0, deadline - time.monotonic())))


# --------------------------------------------------------------------------- replication check


async def check_replication(
    bootstrap: str,
    specs: Sequence[TopicSpec],
    *,
    min_replicas: int = 3,
    min_insync: int = 2,
    timeout_s: float = 60.0,
) -> list[str]:
    """The declared topics that would lose or refuse writes when a broker is lost, one line each (empty:
    all good). A topic fails when it is missing, when a partition has fewer than ``min_replicas`` replicas,
    when its ``min.insync.replicas`` (the topic's own, else the brokers' default) is below ``min_insync``,
    or when it is not below the replica count (an ``acks=all`` write would then stop with one broker
    down). Partitions whose in-sync replicas are fewer than their replicas are only logged (a broker
    restarting)."""
    names = [t.name for t in kafka_topics(specs)]
    problems: list[str] = []
    async with asyncio.timeout(timeout_s):
        admin = _admin(bootstrap, timeout_s)
        try:
            await admin.start()
            described: list[dict[str, Any]] = await admin.describe_topics(names)
            found = {str(t["topic"]): t for t in described if t["error_code"] == 0}
            responses: list[Any] = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, name) for name in names if name in found]
            )
        finally:
            await _close(admin)
    insync: dict[str, int] = {}
    for response in responses:
        for resource in response.to_object()["resources"]:
            entries = {str(e["config_names"]): e["config_value"] for e in resource["config_entries"]}
            if entries.get("min.insync.replicas") is not None:
                insync[str(resource["resource_name"])] = int(entries["min.insync.replicas"])
    for name in names:
        before = len(problems)
        topic = found.get(name)
        if topic is None or not topic["partitions"]:
            problems.append(f"{name}: missing")
            continue
        replicas = min(len(p["replicas"]) for p in topic["partitions"])
        in_sync = insync.get(name)
        if replicas < min_replicas:
            problems.append(f"{name}: {replicas} replicas (at least {min_replicas} wanted)")
        if in_sync is None:
            problems.append(f"{name}: min.insync.replicas unknown")
        elif in_sync < min_insync:
            problems.append(f"{name}: min.insync.replicas={in_sync} (at least {min_insync} wanted)")
        elif in_sync >= replicas:
            problems.append(f"{name}: min.insync.replicas={in_sync} with {replicas} replicas: one broker down stops every write")
        lagging = [p["partition"] for p in topic["partitions"] if len(p["isr"]) < len(p["replicas"])]
        if lagging:
            log.warning("under-replicated: %s partitions %s (a broker away or catching up)", name, sorted(lagging))
        if len(problems) == before:
            log.info("replicated: %s (%d replicas, min.insync.replicas=%s)", name, replicas, in_sync)
    return problems


# --------------------------------------------------------------------------- CLI


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    default_port = os.environ.get("ABRI_KAFKA_PORT", "9092")
    parser.add_argument("--bootstrap", default=f"127.0.0.1:{default_port}")
    parser.add_argument("--file", type=Path, default=DEFAULT_TOPICS_FILE, help="topics.yaml")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--replication-factor", type=int, default=1)
    parser.add_argument(
        "--check",
        action="store_true",
        help="only wait until the broker answers metadata",
    )
    parser.add_argument("--pid", type=int, help="with --check: fail fast if this pid dies")
    parser.add_argument("--cluster-id", help="with --check: require this cluster id")
    parser.add_argument("--min-brokers", type=int, default=1, help="with --check: wait until this many brokers answer")
    parser.add_argument(
        "--check-replication",
        action="store_true",
        help="check that every declared topic has --min-replicas replicas and --min-insync in-sync replicas (a cluster); exit 1 if not",
    )
    parser.add_argument("--min-replicas", type=int, default=3, help="with --check-replication (default 3)")
    parser.add_argument("--min-insync", type=int, default=2, help="with --check-replication: min.insync.replicas (default 2)")
    parser.add_argument("-q", "--quiet", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="topics.py: %(message)s",
    )
    # aiokafka logs every refused connection at ERROR while the broker boots.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        if args.check:
            asyncio.run(
                wait_ready(
                    args.bootstrap,
                    args.timeout,
                    pid=args.pid,
                    cluster_id=args.cluster_id,
                    min_brokers=args.min_brokers,
                )
            )
            log.info("%s answers metadata", args.bootstrap)
        elif args.check_replication:
            problems = asyncio.run(
                check_replication(
                    args.bootstrap,
                    load_topics(args.file),
                    min_replicas=args.min_replicas,
                    min_insync=args.min_insync,
                    timeout_s=args.timeout,
                )
            )
            for problem in problems:
                log.error("not replicated enough: %s", problem)
            if problems:
                return 1
            log.info("every declared topic has at least %d replicas and %d in sync", args.min_replicas, args.min_insync)
        else:
            specs = load_topics(args.file)
            asyncio.run(
                ensure_topics(
                    args.bootstrap,
                    specs,
                    replication_factor=args.replication_factor,
                    timeout_s=args.timeout,
                )
            )
    except (TopicsFileError, yaml.YAMLError) as exc:
        log.error("invalid topics file: %s", exc)
        return 2
    except TimeoutError as exc:
        log.error("timed out: %s", exc or f"after {args.timeout:.0f}s")
        return 1
    except (RuntimeError, OSError) as exc:  # KafkaError is a RuntimeError
        log.error("%s: %s", type(exc).__name__, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
