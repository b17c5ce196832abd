"""Sizes for the capacity model (docs/capacity.md): bytes per row of each service's tables, bytes per event
of each topic. Read-only and cheap (a count and a size per table, a few thousand records per topic), so it
can run beside other work; the figures are those of whatever rows and records are there.

Per table: exact row count, heap + indexes + TOAST (``pg_total_relation_size``), dead tuples, bytes per
row. Per topic: records between the start and end offsets, key + value + headers of up to ``--sample``
records (mean, p95, by CloudEvents type), and the ``.log`` files' size per record when the broker's data
directory is on this machine (``--kafka-data``, default the local broker's).

Usage: ``python infra/dev/with_infra.py -- python -m bench.sizes [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition

from abri_contracts.services import SERVICES
from tests.support import REPO, credentials, kafka_client

TOPICS = REPO / "infra" / "kafka" / "topics.yaml"

_TABLES = """
select c.relname as name, pg_total_relation_size(c.oid) as total, coalesce(s.n_dead_tup, 0) as dead
from pg_class c join pg_namespace n on n.oid = c.relnamespace
left join pg_stat_user_tables s on s.relid = c.oid
where c.relkind in ('r', 'p') and n.nspname = 'public'
order by total desc
"""


async def table_sizes(service: str) -> list[dict[str, Any]]:
    """Every table of the service's database, largest first."""
    url = credentials()[f"ABRI_{service.upper()}_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url, timeout=10)
    try:
        rows = []
        for table in await conn.fetch(_TABLES):
            name = table["name"].replace('"', '""')
            count = await conn.fetchval(f'select count(*) from "{name}"')  # noqa: S608 (a name from pg_class, quoted)
            per_row = round(table["total"] / count) if count else None
            rows.append({"table": table["name"], "rows": count, "dead": table["dead"], "bytes": table["total"], "bytes_per_row": per_row})
        return rows
    finally:
        await conn.close()


def declared_topics() -> list[tuple[str, int]]:
    """Each declared topic and its dead-letter topic, with their partition counts."""
    topics = yaml.safe_load(TOPICS.read_text())["topics"]
    return [(t["name"], t["partitions"]) for t in topics] + [(t["name"] + ".dlq", t["partitions"]) for t in topics if t["dlq"]["enabled"]]


async def topic_sizes(sample: int, data_dir: Path | None) -> dict[str, dict[str, Any]]:
    """Records and bytes per record of every declared topic (a consumer without group: nothing committed)."""
    consumer = AIOKafkaConsumer(**kafka_client(), enable_auto_commit=False, group_id=None)
    await consumer.start()
    found: dict[str, dict[str, Any]] = {}
    try:
        for topic, partitions in declared_topics():
            tps = [TopicPartition(topic, p) for p in range(partitions)]
            begin = await asyncio.wait_for(consumer.beginning_offsets(tps), 30)
            end = await asyncio.wait_for(consumer.end_offsets(tps), 30)
            records = sum(end[tp] - begin[tp] for tp in tps)
            sizes: list[int] = []
            by_type: dict[str, list[int]] = defaultdict(list)
            consumer.assign(tps)
            for tp in tps:
                consumer.seek(tp, begin[tp])
            while len(sizes) < min(sample, records):
                batch = await asyncio.wait_for(consumer.getmany(timeout_ms=2000, max_records=500), 30)
                if not batch:
                    break
                for record in (r for rs in batch.values() for r in rs):
                    size = len(record.key or b"") + len(record.value or b"") + sum(len(k) + len(v or b"") for k, v in record.headers)
                    sizes.append(size)
                    by_type[dict(record.headers).get("ce_type", b"?").decode()].append(size)
            entry: dict[str, Any] = {"partitions": partitions, "records": records, "sampled": len(sizes)}
            if sizes:
                entry |= {"mean": round(statistics.mean(sizes)), "p95": sorted(sizes)[int(len(sizes) * 0.95)], "max": max(sizes)}
                entry["by_type"] = {t: {"records": len(v), "mean": round(statistics.mean(v))} for t, v in sorted(by_type.items())}
            if data_dir is not None and records:
                on_disk = sum(f.stat().st_size for tp in tps for f in (data_dir / f"{topic}-{tp.partition}").glob("*.log"))
                entry["disk_bytes_per_record"] = round(on_disk / records)
            found[topic] = entry
    finally:
        await asyncio.wait_for(consumer.stop(), 10)
    return found


def report(result: dict[str, Any]) -> None:
    print(f"Sizes measured {result['at']}")
    for service, tables in result["databases"].items():
        print(f"\n{service}")
        for t in tables:
            if t["rows"] or t["bytes"] > 65536:
                per_row = t["bytes_per_row"] or "-"
                print(f"  {t['table']:32} {t['rows']:>10,} rows {t['bytes'] / 1e6:9.2f} MB {per_row:>7} B/row ({t['dead']} dead)")
    print("\ntopics (key + value + headers; on disk per record)")
    for topic, v in result["topics"].items():
        if v["records"]:
            disk = v.get("disk_bytes_per_record", "-")
            print(f"  {topic:34} {v['records']:>8,} records  mean {v['mean']:>5} B  p95 {v['p95']:>5} B  disk {disk:>5} B")


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=3000, help="records read per topic at most")
    parser.add_argument("--kafka-data", type=Path, default=REPO / ".run" / "kafka" / "data", help="the broker's data directory, if local")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    data_dir = args.kafka_data if args.kafka_data.is_dir() else None
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "databases": {s: await table_sizes(s) for s in SERVICES},
        "topics": await topic_sizes(args.sample, data_dir),
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        report(result)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
