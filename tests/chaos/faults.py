"""The faults a run inflicts, and the seeded scheduler that picks them.

Each fault is done to the real process and undone as Kubernetes (or an operator) would: a killed replica
is started again after :data:`RESTART_AFTER_S`, the broker and PostgreSQL are started again, a paused
process is resumed. Two faults aim at a precise moment:

- ``relay-kill``: a replica is killed while its outbox relay holds the relay's advisory lock, i.e. in the
  middle of a batch (rows claimed, some perhaps sent, none marked yet); the replica is found from the
  lock's database session (its client port among the replica's sockets).
- ``consumer-kill``: every replica of a service is killed while its inbox holds events at or past the
  group's committed offsets, i.e. between the effect's commit and the offset's commit (the next owner
  receives those events again; the inbox must absorb them).

The schedule is reproducible from its seed: every kind once in a shuffled order, then kinds drawn at
random, at gaps drawn between ``gap_s`` bounds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus.relay import RELAY_LOCK_KEY
from abri_kit.bus_status import consumed_topics, consumer_group
from abri_ops.rewind import describe
from tests.chaos.fleet import COMPONENTS, SERVICES, Fleet, Replica
from tests.support import BROKER_START_WAIT_S, KAFKA_SH, PYTHON, REPO, kafka

log = logging.getLogger(__name__)
RESTART_AFTER_S = 2.0
"""How long a killed replica stays down (the kubelet's restart, without its back-off)."""
PAUSE_S = 15.0
"""Longer than the consumers' session timeout (aiokafka's 10 s): the group moves the paused replica's partitions."""
AIM_TIMEOUT_S = 30.0
"""How long a precise fault waits for its moment before it is recorded as missed (and done anyway)."""
REBALANCE_TIMEOUT_S = 90.0
"""How long a consumer group may take to be stable again with all its members (then: not recorded)."""

KINDS = (
    "broker-kill",
    "postgres-restart",
    "relay-kill",
    "consumer-kill",
    "pause",
    *(f"kill-{component}" for component in COMPONENTS),
)


@dataclass
class Fault:
    kind: str
    target: str = ""
    at_s: float = 0.0
    recovered_after_s: float = 0.0
    rebalanced_after_s: float | None = None
    """For a consuming service's replicas killed: seconds from the kill until its consumer group was stable
    again with every replica a member (the survivor takes the partitions, the restarted one takes its share)."""
    aimed: bool | None = None
    """For the precise faults: whether the moment was caught (None: not a precise fault)."""
    note: str = ""


def schedule(seed: int, count: int) -> list[str]:
    """``count`` fault kinds: every kind once (shuffled), then drawn at random; the same seed, the same list."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    rng.shuffle(kinds)
    while len(kinds) < count:
        kinds.append(rng.choice(KINDS))
    return kinds[:count]


@dataclass
class Injector:
    """Does the faults on a fleet; ``engines`` are the services' own databases (read for the aimed faults)."""

    fleet: Fleet
    engines: dict[str, AsyncEngine]
    rng: random.Random
    t0: float = field(default_factory=time.monotonic)

    async def inflict(self, kind: str) -> Fault:
        fault = Fault(kind, at_s=round(time.monotonic() - self.t0, 1))
        started = time.monotonic()
        action: Callable[[Fault], Awaitable[None]]
        if kind.startswith("kill-"):
            action = self._kill_component
        else:
            action = {
                "broker-kill": self._broker,
                "postgres-restart": self._postgres,
                "relay-kill": self._relay,
                "consumer-kill": self._consumer,
                "pause": self._pause,
            }[kind]
        await action(fault)
        fault.recovered_after_s = round(time.monotonic() - started, 1)
        return fault

    async def _restart(self, replicas: list[Replica]) -> None:
        await asyncio.sleep(RESTART_AFTER_S)
        for replica in replicas:
            replica.start()
        await self.fleet.wait_ready(replicas, timeout=180)

    async def _kill(self, fault: Fault, replicas: list[Replica]) -> None:
        component = replicas[0].component
        consuming = component in SERVICES and bool(consumed_topics(component))
        before = await _members(consumer_group(component)) if consuming else set()
        killed = time.monotonic()
        for replica in replicas:
            await asyncio.to_thread(replica.kill)
        fault.target = ",".join(replica.name for replica in replicas)
        await self._restart(replicas)
        if consuming:
            members = len(self.fleet.replicas[component])
            if await _group_stable(consumer_group(component), members, before, timeout=REBALANCE_TIMEOUT_S):
                fault.rebalanced_after_s = round(time.monotonic() - killed, 1)

    async def _kill_component(self, fault: Fault) -> None:
        await self._kill(fault, [self.rng.choice(self.fleet.replicas[fault.kind.removeprefix("kill-")])])

    async def _broker(self, fault: Fault) -> None:
        fault.target = "kafka"
        await asyncio.to_thread(_run, [str(KAFKA_SH), "kill"])
        await asyncio.sleep(RESTART_AFTER_S)
        await asyncio.to_thread(
            _run, [str(KAFKA_SH), "start"], BROKER_START_WAIT_S + 60, {"ABRI_KAFKA_WAIT_TIMEOUT": str(BROKER_START_WAIT_S)}
        )

    async def _postgres(self, fault: Fault) -> None:
        fault.target = "postgresql (the services' data cluster)"
        pgctl = [str(PYTHON), str(REPO / "infra" / "postgres" / "pgctl.py")]
        await asyncio.to_thread(_run, [*pgctl, "stop", "--cluster", "data"])
        await asyncio.sleep(RESTART_AFTER_S)
        await asyncio.to_thread(_run, [*pgctl, "start", "--cluster", "data"], 180)
        for engine in self.engines.values():
            await engine.dispose()  # the harness's own sessions died with the server

    async def _pause(self, fault: Fault) -> None:
        replica = self.rng.choice([replica for replica in self.fleet.all()])
        fault.target = replica.name
        replica.pause()
        await asyncio.sleep(PAUSE_S)
        replica.resume()
        await self.fleet.wait_ready([replica], timeout=120)

    async def _relay(self, fault: Fault) -> None:
        deadline = time.monotonic() + AIM_TIMEOUT_S
        services = list(SERVICES)
        while time.monotonic() < deadline:
            self.rng.shuffle(services)
            for service in services:
                port = await _scalar(self.engines[service], RELAY_HOLDER.bindparams(key=RELAY_LOCK_KEY))
                if port is None:
                    continue
                holders = [replica for replica in self.fleet.replicas[service] if port in replica.local_ports()]
                if holders:
                    fault.aimed, fault.note = True, "killed while holding the relay's lock (a batch in hand)"
                    await self._kill(fault, holders)
                    return
            await asyncio.sleep(0.02)
        fault.aimed, fault.note = False, "no relay caught in a batch: a replica of each service killed instead"
        await self._kill(fault, [self.rng.choice(self.fleet.replicas[service]) for service in SERVICES])

    async def _consumer(self, fault: Fault) -> None:
        deadline = time.monotonic() + AIM_TIMEOUT_S
        consumers = [service for service in SERVICES if consumed_topics(service)]
        async with _admin() as admin:
            while time.monotonic() < deadline:
                self.rng.shuffle(consumers)
                for service in consumers:
                    ahead = await self._applied_not_committed(admin, service)
                    if ahead:
                        fault.aimed = True
                        fault.note = f"{ahead} event(s) applied, their offsets not yet committed"
                        await self._kill(fault, list(self.fleet.replicas[service]))
                        return
                await asyncio.sleep(0.02)
        fault.aimed, fault.note = False, "no consumer caught between effect and commit: a consuming service killed instead"
        await self._kill(fault, list(self.fleet.replicas[self.rng.choice(consumers)]))

    async def _applied_not_committed(self, admin: Any, service: str) -> int:
        group = consumer_group(service)
        committed = {(tp.topic, tp.partition): meta.offset for tp, meta in (await admin.list_consumer_group_offsets(group)).items()}
        async with self.engines[service].connect() as conn:
            rows = (await conn.execute(text(RECENT_INBOX), {"consumer": group})).all()
        return sum(1 for topic, partition, offset in rows if offset >= committed.get((topic, partition), 1 << 62))


RELAY_HOLDER = text(
    "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key AND l.database = "
    "(SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1"
)
"""The client port of the session holding the relay's advisory lock in this database (a batch in hand)."""
RECENT_INBOX = (
    'SELECT topic, "partition", "offset" FROM event_inbox WHERE consumer = :consumer AND processed_at > now() - interval \'20 seconds\''
)


async def _scalar(engine: AsyncEngine, statement: Any) -> Any:
    try:
        async with engine.connect() as conn:
            return (await conn.execute(statement)).scalar()
    except Exception:  # the database is being restarted by another fault: nothing to aim at now
        return None


async def _describe(group: str) -> tuple[str, set[str]]:
    """The group's state and its members' ids ("" and none when the coordinator cannot say now)."""
    try:
        return await describe(kafka(), group)
    except Exception as exc:  # the coordinator moving (the broker restarting): ask again
        log.debug("describing %s: %s", group, exc)
        return "", set()


async def _members(group: str) -> set[str]:
    return (await _describe(group))[1]


async def _group_stable(group: str, members: int, before: set[str], timeout: float) -> bool:
    """Poll until the group is ``Stable`` with ``members`` members and not those of ``before`` alone (the
    killed member gone, its restarted process in)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, now = await _describe(group)
        if state == "Stable" and len(now) == members and now != before:
            return True
        await asyncio.sleep(0.2)
    return False


class _admin:
    async def __aenter__(self) -> Any:
        self.client = kafka().admin()
        await self.client.start()
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()


def _run(command: list[str], timeout: float = 120, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, check=False, timeout=timeout, capture_output=True, env={**os.environ, **(env or {})})
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {(done.stderr or done.stdout).decode()[-2000:]}")
