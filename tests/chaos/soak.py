"""``make soak``: a bounded steady load for a while (20 minutes by default; not in CI), and what each
process held along the way: resident memory and open file descriptors per replica, database connections
per service (``pg_stat_activity``, by application name), consumer lag per group. Nothing may grow without
bound: after a warm-up, the second half of the run must not hold more than the first by more than a
margin (memory: 15 %, descriptors and connections: a few), nor the consumer lag or the deliveries waiting
to be sent (a backlog that grows means a component falls behind the load). One journey in 25 is audited.

The fleet, the journeys and the audit are those of the fault suite (``run.py``), without faults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text

from abri_kit.bus_status import consumed_topics, consumer_group, consumer_lag
from tests.chaos.faults import Fault, Injector
from tests.chaos.run import Config, run
from tests.support import REPO, kafka

MEMORY_MARGIN = 0.15
"""How much more resident memory the second half may hold than the first (caches filling up)."""
COUNT_MARGIN = 8
"""How many more descriptors or connections the second half may hold (pools opening, a reconnect)."""


@dataclass
class Samples:
    at: list[float] = field(default_factory=list)
    series: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.series.setdefault(name, []).append(value)


async def sample(injector: Injector, samples: Samples, started: float) -> None:
    samples.at.append(round(time.monotonic() - started))
    for replica in injector.fleet.all():
        if replica.process is None or not replica.alive:
            continue
        process = psutil.Process(replica.process.pid)
        samples.add(f"{replica.name} memory MiB", round(process.memory_info().rss / 2**20, 1))
        samples.add(f"{replica.name} descriptors", process.num_fds())
    for service, engine in injector.engines.items():
        async with engine.connect() as conn:
            held = (await conn.execute(text(CONNECTIONS), {"name": f"abri-{service}"})).scalar()
            if service == "notifications":  # what the senders have still to send
                pending = (await conn.execute(text(PENDING_DELIVERIES))).scalar()
                samples.add("notifications deliveries due", int(pending or 0))
        samples.add(f"{service} database connections", int(held or 0))
        topics = consumed_topics(service)
        if topics:
            lag = await consumer_lag(kafka(), consumer_group(service), topics)
            samples.add(f"{service} consumer lag", sum(partition.lag for partition in lag))


CONNECTIONS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"
PENDING_DELIVERIES = "SELECT count(*) FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()"
"""The deliveries due and not yet sent: the senders' backlog (those waiting for a retry or for the end of
someone's quiet hours are not behind)."""


def judge(samples: Samples, warm_up: int) -> tuple[dict[str, Any], list[str]]:
    """Per series: first, last, the means of the two halves after the warm-up; and what grew too much."""
    table: dict[str, Any] = {}
    grew: list[str] = []
    for name, values in sorted(samples.series.items()):
        kept = values[warm_up:] if len(values) > warm_up + 3 else values
        half = len(kept) // 2
        first, second = statistics.fmean(kept[:half] or kept), statistics.fmean(kept[half:])
        table[name] = {"first": values[0], "last": values[-1], "max": max(values), "halves": [round(first, 1), round(second, 1)]}
        if name.endswith("memory MiB") and second > first * (1 + MEMORY_MARGIN):
            grew.append(f"{name}: {first:.0f} -> {second:.0f} MiB")
        elif name.endswith(("descriptors", "connections")) and second > first + COUNT_MARGIN:
            grew.append(f"{name}: {first:.0f} -> {second:.0f}")
        elif name.endswith(("lag", "deliveries due")) and second > first + 100:
            grew.append(f"{name}: {first:.0f} -> {second:.0f} (a backlog growing: the consumers or senders fall behind)")
    return table, grew


async def soak(minutes: float, per_second: float, every_s: float, run_dir: Path) -> int:
    samples = Samples()

    async def steady(injector: Injector) -> AsyncIterator[Fault]:
        """No fault: samples every ``every_s`` seconds for the run's length."""
        started = time.monotonic()
        while time.monotonic() - started < minutes * 60:
            await sample(injector, samples, started)
            (run_dir / "samples.json").write_text(json.dumps(samples.series))  # kept if the audit fails
            await asyncio.sleep(every_s)
        await sample(injector, samples, started)
        return
        yield  # an async generator that strikes nothing  # pragma: no cover

    config = Config(journeys=1, concurrency=50, faults=0, replicas=2, audit_every=25, per_second=per_second)
    outcome = await run(config, run_dir, disturb=steady)
    table, grew = judge(samples, warm_up=max(1, int(120 / every_s)))
    report = {
        "minutes": minutes,
        "journeys started per second": per_second,
        "sampled every (s)": every_s,
        "figures": outcome.findings.figures,
        "problems": outcome.findings.problems,
        "grew": grew,
        "series": table,
    }
    (run_dir / "soak.json").write_text(json.dumps(report, indent=2, default=str))
    print(json.dumps(report, indent=2, default=str))
    return 0 if outcome.findings.ok and not grew else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--per-second", type=float, default=1.5, help="journeys started per second")
    parser.add_argument("--every", type=float, default=30, help="seconds between samples")
    parser.add_argument("--run-dir", type=Path, default=REPO / ".run" / "soak")
    args = parser.parse_args()
    args.run_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(soak(args.minutes, args.per_second, args.every, args.run_dir))


if __name__ == "__main__":
    sys.exit(main())
