"""``abri-ops access-log verify <service>``: read a service's access log from its database and the anchors
it published (the Kafka topic ``abri.<service>.audit``, read with a plain consumer to its end, or a JSON
file), then check the chain with the MAC key (``abri_kit.access_log.verify``)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from aiokafka import TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.kafka import KafkaSettings
from abri_kit.access_log import PRUNE, AccessLogKeyError, Anchor, MacKeys, Verification, read_anchors, read_chain, verify
from abri_ops.environment import EnvironmentError_, database_url, kafka_settings


@dataclass(frozen=True)
class Chain:
    """Where a service keeps its access log."""

    service: str
    table: str
    subject: str
    anchors: str

    @property
    def name(self) -> str:
        return f"{self.service}.{self.table}"

    @property
    def topic(self) -> str:
        return f"abri.{self.service}.audit"

    @property
    def key_variable(self) -> str:
        return f"ABRI_{self.service.upper()}_ACCESS_LOG_KEY"


CHAINS = {
    "matching": Chain("matching", "personal_data_access_log", "household_id", "personal_data_access_log_anchors"),
    "guarantees": Chain("guarantees", "personal_data_access_log", "file_id", "personal_data_access_log_anchors"),
    "notifications": Chain("notifications", "personal_data_access_log", "person", "personal_data_access_log_anchors"),
    "assistant": Chain("assistant", "personal_data_access_log", "person", "personal_data_access_log_anchors"),
}
"""The services that keep an access log."""
ANCHOR_TYPE_SUFFIX = ".access_log.anchored.v1"


def anchors_from_file(path: Path, chain: Chain) -> list[Anchor]:
    """Anchors from a JSON file: a list of anchors (``Anchor.to_json``) or of anchored events' data."""
    found = json.loads(path.read_text(encoding="utf-8"))
    items = found.get("anchors", []) if isinstance(found, dict) else found
    return [Anchor.from_json(item) for item in items if item.get("chain", chain.name) == chain.name]


async def anchors_from_kafka(kafka: KafkaSettings, chain: Chain, timeout_s: float = 30.0) -> list[Anchor]:
    """Every anchor of ``chain`` on its topic, from the beginning to the end offsets taken when starting
    (a plain consumer: no group, nothing committed); ``TimeoutError`` if the end is not reached in time."""
    consumer = kafka.consumer()
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()  # the consumer's own view may not know the topic yet
        partitions = cluster.partitions_for_topic(chain.topic) or set()
        assigned = [TopicPartition(chain.topic, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        found: list[Anchor] = []
        deadline = time.monotonic() + timeout_s
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{chain.topic} was not read to its end in {timeout_s:.0f} s")
            batches = await consumer.getmany(*assigned, timeout_ms=500)
            for records in batches.values():
                for record in records:
                    found.extend(_anchor_of(record.value, dict(record.headers), chain))
        return sorted(found, key=lambda a: a.position)
    finally:
        await consumer.stop()


def _anchor_of(value: bytes | None, headers: dict[str, bytes], chain: Chain) -> list[Anchor]:
    if value is None or not headers.get("ce_type", b"").decode().endswith(ANCHOR_TYPE_SUFFIX):
        return []
    data: dict[str, Any] = json.loads(value)
    return [Anchor.from_json(data)] if data.get("chain") == chain.name else []


async def verify_chain(database_url: str, chain: Chain, keys: MacKeys, anchors: list[Anchor] | None) -> Verification:
    """Read the chain and its prune anchors from the database and check them (against ``anchors`` if read)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            entries = await read_chain(connection, chain.table, chain.subject)
            prunes = await read_anchors(connection, chain.anchors, PRUNE)
    finally:
        await engine.dispose()
    start = prunes[-1] if prunes else None
    return verify(entries, keys, start=start, anchors=anchors, prunes=prunes)


def report_lines(service: str, result: Verification) -> list[str]:
    """The report a person reads."""
    span = "empty" if result.first_position is None else f"positions {result.first_position}..{result.last_position}"
    start = f"after the prune anchor at {result.start.position}" if result.start else "from the genesis"
    lines = [
        f"{service}: {result.entries} entries ({span}), {start}; {result.anchors_checked} published anchor(s) checked",
        *(f"  note: {note}" for note in result.notes),
    ]
    if result.ok:
        lines.append(f"{service}: the access log holds")
    else:
        lines.append(f"{service}: the access log does NOT hold ({len(result.findings)} finding(s))")
        lines += [f"  {f.kind:<18} at {f.position if f.position is not None else '-'}: {f.detail}" for f in result.findings]
    return lines


commands = typer.Typer(help="The access logs of personal data: verify a chain against its published anchors.", no_args_is_help=True)


@commands.command("verify")
def verify_command(
    service: Annotated[str, typer.Argument(help=f"One of: {', '.join(CHAINS)}.")],
    anchors_file: Annotated[
        Path | None,
        typer.Option("--anchors", help="Anchors from a JSON file (a list of anchors or of anchored events' data) instead of Kafka."),
    ] = None,
    no_anchors: Annotated[bool, typer.Option("--no-anchors", help="Read no anchors (a truncation at the end cannot be seen).")] = False,
    timeout_s: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to read the audit topic to its end.")] = 30.0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check a service's access log: a deletion anywhere, a truncation at the start or the end, a reorder,
    an entry edited and re-hashed without the key. Exits 1 if anything is found, 2 if it cannot check.

    Variables: ``ABRI_<SERVICE>_DATABASE_URL``, ``ABRI_<SERVICE>_ACCESS_LOG_KEY`` (every key still named by
    an entry), ``ABRI_KAFKA_BOOTSTRAP_SERVERS``."""
    chain = CHAINS.get(service)
    if chain is None:
        raise typer.BadParameter(f"{service!r} keeps no access log; one of {', '.join(CHAINS)}")
    try:
        keys = MacKeys.from_environment(chain.key_variable)
        url = database_url(service)

        async def check() -> Verification:
            if no_anchors:
                published = None
            elif anchors_file is not None:
                published = anchors_from_file(anchors_file, chain)
            else:
                published = await anchors_from_kafka(kafka_settings(service), chain, timeout_s)
            return await verify_chain(url, chain, keys, published)

        result = asyncio.run(check())
    except (AccessLogKeyError, EnvironmentError_, TimeoutError, OSError, ValueError) as exc:
        typer.echo(f"abri-ops: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"service": service, **result.to_json()}, indent=2))
    else:
        for line in report_lines(service, result):
            typer.echo(line)
    if not result.ok:
        raise typer.Exit(1)
