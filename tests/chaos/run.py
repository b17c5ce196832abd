"""A run of the system fault suite: journeys driven concurrently through the gateway of a fleet of real
processes while the seeded scheduler inflicts faults, then the audit (``tests/chaos/audit.py``).

``python -m tests.chaos.run --journeys 500 --faults 20 --seed 2026`` (``make chaos``) is the long run; the
test tier runs a short one. The load goes on until the journeys are done *and* the last fault is undone,
so that every fault falls on a system at work (more journeys than asked are then driven, and counted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.chaos import audit
from tests.chaos.faults import Fault, Injector, schedule
from tests.chaos.fleet import SERVICES, Fleet, Settings
from tests.chaos.journeys import STEP_TIMEOUT_S, Journey
from tests.chaos.witnesses import MailSink, WebhookReceiver
from tests.oidc_issuer import TestIssuer, serving
from tests.support import REPO, database_url, infra_module, kafka_bootstrap

LAG_TIMEOUT_S = 180.0
"""The stated bound: every consumer group's lag back to 0 within this long after the last journey."""


@dataclass(frozen=True)
class Config:
    journeys: int = 500
    concurrency: int = 25
    faults: int = 20
    seed: int = 2026
    replicas: int = 2
    gap_s: tuple[float, float] = (5.0, 20.0)
    """Seconds between the end of one fault and the next, drawn at random."""
    step_timeout_s: float = STEP_TIMEOUT_S
    """How long a journey's step may take before the journey fails."""
    audit_every: int = 1
    """Audit the final state and the notifications of every n-th journey (a long soak drives thousands)."""
    per_second: float | None = None
    """At most this many journeys started per second (a steady load), else as fast as ``concurrency`` allows."""


@dataclass
class Outcome:
    config: Config
    findings: audit.Findings
    faults: list[Fault]
    seconds: float
    journeys: list[Journey]

    def report(self) -> dict[str, Any]:
        return {
            "config": asdict(self.config),
            "seconds": round(self.seconds, 1),
            "faults": [asdict(fault) for fault in self.faults],
            "figures": self.findings.figures,
            "problems": self.findings.problems,
        }


Disturbance = Callable[[Injector], AsyncIterator[Fault]]
"""What strikes the fleet during the load, one :class:`Fault` at a time (each recorded as it ends)."""


async def seeded_faults(config: Config, injector: Injector) -> AsyncIterator[Fault]:
    """The default disturbance: ``config.faults`` faults in the seed's order, at the seed's gaps."""
    for kind in schedule(config.seed, config.faults):
        await asyncio.sleep(injector.rng.uniform(*config.gap_s))
        yield await injector.inflict(kind)


async def run(
    config: Config,
    run_dir: Path,
    *,
    migrate: bool = True,
    code: dict[str, Path] | None = None,
    disturb: Disturbance | None = None,
) -> Outcome:
    """The run: ``code`` gives a component another source tree (an older version); ``disturb`` replaces the
    seeded faults."""
    rng = random.Random(config.seed)
    tag = f"x{int(time.time()) % 10**7}"  # every party of this run is new
    issuer, sink, hooks = TestIssuer(), MailSink(), WebhookReceiver()
    if migrate:  # the tests' own fixture has done it
        infra_module("infra/dev/stack.py").migrate(kafka_bootstrap())
    engines: dict[str, AsyncEngine] = {s: create_async_engine(database_url(s), pool_pre_ping=True, pool_size=2) for s in SERVICES}
    fleet = Fleet(
        Settings(
            oidc_issuer=issuer.issuer,
            smtp_port=sink.port,
            webhook_port=hooks.port,
            run_dir=run_dir,
            replicas=config.replicas,
            code=code or {},
        )
    )
    findings = audit.Findings()
    faults: list[Fault] = []
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(serving(issuer.app(), issuer.port))
        await stack.enter_async_context(serving(hooks.app(), hooks.port))
        sink.start()
        stack.callback(sink.stop)
        stack.push_async_callback(_dispose, engines)
        since = await _database_now(engines["listings"])
        offsets = await audit.topic_ends()
        await fleet.start()
        stack.push_async_callback(fleet.stop)
        load_started = time.monotonic()
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=fleet.gateway_url, timeout=60))
        Journey.webhook_base = f"http://127.0.0.1:{hooks.port}"
        Journey.step_timeout_s = config.step_timeout_s
        journeys: list[Journey] = []
        injector = Injector(fleet, engines, rng)
        faults_done = asyncio.Event()

        async def inflict() -> None:
            try:
                async for fault in (disturb or partial(seeded_faults, config))(injector):
                    if not fault.at_s:  # a disturbance's own fault: when it began, from the load's start
                        fault.at_s = round(time.monotonic() - load_started - fault.recovered_after_s, 1)
                    faults.append(fault)
                    print(f"chaos: {fault}", file=sys.stderr, flush=True)
            finally:
                faults_done.set()

        async def drive() -> None:
            slots = asyncio.Semaphore(config.concurrency)
            running: set[asyncio.Task[None]] = set()
            while len(journeys) < config.journeys or not faults_done.is_set():
                await slots.acquire()
                journey = Journey(tag, len(journeys), issuer, client)
                journeys.append(journey)
                task = asyncio.create_task(journey.go())
                running.add(task)
                task.add_done_callback(running.discard)
                task.add_done_callback(lambda _: slots.release())
                if config.per_second:
                    await asyncio.sleep(1 / config.per_second)
            await asyncio.gather(*running)

        scheduler = asyncio.create_task(inflict())
        await drive()
        await scheduler
        load_ended = time.monotonic()
        findings.figures["run"] = tag
        findings.figures["journeys"] = len(journeys)
        findings.figures["seconds of load"] = round(load_ended - load_started, 1)
        findings.figures["lag back to 0 after the load (s)"] = round(await audit.lag_drained(LAG_TIMEOUT_S), 1)
        audited = journeys[:: config.audit_every]
        await _settled(engines["notifications"], audited)
        findings.figures.update(_journey_figures(journeys))
        findings.figures["journeys audited"] = len(audited)
        await audit.check_journeys(findings, audited)
        audit.check_answers(findings, journeys)
        await audit.check_events(findings, engines, since, offsets)
        await audit.check_notifications(findings, audited, engines["notifications"], sink, hooks)
        findings.figures["balancer connections refused (no replica ready)"] = sum(b.refused for b in fleet.balancers.values())
        findings.figures["process starts"] = {r.name: r.starts for r in fleet.all()}
    outcome = Outcome(config, findings, faults, time.monotonic() - started, journeys)
    (run_dir / "report.json").write_text(json.dumps(outcome.report(), indent=2, default=str))
    return outcome


async def _database_now(engine: AsyncEngine) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT now()"))).scalar()


async def _dispose(engines: dict[str, AsyncEngine]) -> None:
    for engine in engines.values():
        await engine.dispose()


async def _settled(notifications: AsyncEngine, journeys: list[Journey], timeout: float = 180) -> None:
    """Wait until the run's deliveries are all sent (or failed for good)."""
    recipients = [subject for j in journeys for subject in j.subjects.values()] + [j.ids["webhook"] for j in journeys if "webhook" in j.ids]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with notifications.connect() as conn:
            pending = (await conn.execute(text(PENDING), {"recipients": recipients})).scalar()
        if not pending:
            return
        await asyncio.sleep(1)


PENDING = "SELECT count(*) FROM deliveries WHERE status = 'pending' AND recipient = ANY(:recipients)"


def _journey_figures(journeys: list[Journey]) -> dict[str, Any]:
    done = [j.finished - j.started for j in journeys if j.error is None]
    retries = sum((j.retries for j in journeys), start=Counter[str]())
    figures: dict[str, Any] = {"journeys completed": len(done), "retries by cause": dict(retries)}
    if done:
        ordered = sorted(done)
        figures["journey seconds (p50, p95, max)"] = (
            round(statistics.median(ordered), 1),
            round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            round(ordered[-1], 1),
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journeys", type=int, default=Config.journeys)
    parser.add_argument("--concurrency", type=int, default=Config.concurrency)
    parser.add_argument("--faults", type=int, default=Config.faults)
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--replicas", type=int, default=Config.replicas)
    parser.add_argument("--gap", type=float, nargs=2, default=Config.gap_s, metavar=("MIN", "MAX"))
    parser.add_argument("--run-dir", type=Path, default=REPO / ".run" / "chaos")
    args = parser.parse_args()
    config = Config(args.journeys, args.concurrency, args.faults, args.seed, args.replicas, tuple(args.gap))
    outcome = asyncio.run(run(config, args.run_dir))
    print((args.run_dir / "report.json").read_text())
    return 0 if outcome.findings.ok else 1


if __name__ == "__main__":
    sys.exit(main())
