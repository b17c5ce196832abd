"""The restore drill, as ops would run it after ransomware took the services' databases (``docs/operations.md``,
"Restore drill"): during the load, each service's database is backed up (``pg_dump``); the load goes on
for a while (what the backup will not hold: the data window lost); then the services stop (killed), their
databases are destroyed (dropped), created empty again (``pgctl provision``: the role's database, as the
chart's or CloudNativePG's bootstrap does), restored (``pg_restore``), the erasure ledger re-applied
(``abri-ops erasures reapply``: a restore must not bring back an erased household), the consumer groups
moved back to the backup's moment (``abri-ops rewind``: the events applied since are applied again, the
restored inboxes skip the others), and the services started again.

The drill's figures: how long the services were down and how much data it lost (the window between the
backup and the destruction).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from abri_kit.bus_status import consumed_topics, consumer_group
from abri_ops.rewind import applied_offsets, members, rewind
from tests.chaos.faults import Fault, Injector
from tests.chaos.fleet import SERVICES
from tests.support import PYTHON, REPO, credentials, database_url, infra_module, kafka, kafka_bootstrap, libpq, pg_tool

REWIND_MARGIN = timedelta(seconds=5)
"""How far before the backup the groups go back at most where the restored inbox says nothing of a partition
(elsewhere they resume after what the inbox holds: ``abri_ops.rewind``)."""
ERASURE_SERVICES = ("matching", "guarantees", "notifications", "assistant")
"""The services that keep personal data under the erasure ledger."""


@dataclass
class Window:
    """When the backup was taken and when the services were back (monotonic seconds), for the audit."""

    backed_up: float = 0.0
    restored: float = 0.0


def _run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, timeout=300, capture_output=True, text=True, env=env)


def backup(service: str, into: Path) -> None:
    _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={into}", libpq(database_url(service))])


async def destroy(service: str) -> None:
    """What ransomware leaves: no database at all."""
    name = database_url(service).rsplit("/", 1)[1].split("?", 1)[0]
    conn = await asyncpg.connect(libpq(credentials()["ABRI_PG_ADMIN_URL"]))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def restore(service: str, dump: Path) -> None:
    """Into the empty database the bootstrap made again, as the service's own role."""
    _run([pg_tool("pg_restore"), "--no-owner", "--no-comments", f"--dbname={libpq(database_url(service))}", str(dump)])


def reapply_erasures(service: str) -> str:
    env = infra_module("infra/dev/stack.py").service_env(service, kafka_bootstrap())
    return _run([str(REPO / ".venv" / "bin" / "abri-ops"), "erasures", "reapply", service], env=env).stdout


async def _until_empty(group: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while await members(kafka(), group):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{group} still has members after {timeout}s")
        await asyncio.sleep(0.5)


def restore_drill(run_dir: Path, window: Window, lead_s: float = 8.0, lost_s: float = 8.0) -> Callable[[Injector], AsyncIterator[Fault]]:
    """The drill as a disturbance of :func:`tests.chaos.run.run`: two faults, the backup and the restore."""

    async def drill(injector: Injector) -> AsyncIterator[Fault]:
        await asyncio.sleep(lead_s)
        taken = Fault("backup", target="the services' databases (pg_dump)")
        started = time.monotonic()
        moment = datetime.now(UTC)
        window.backed_up = started
        dumps = {service: run_dir / f"{service}.dump" for service in SERVICES}
        await asyncio.gather(*(asyncio.to_thread(backup, service, dump) for service, dump in dumps.items()))
        taken.recovered_after_s = round(time.monotonic() - started, 1)
        yield taken

        await asyncio.sleep(lost_s)  # the load goes on: what the backup does not hold
        lost = Fault("restore", target="the services' databases destroyed, restored from the backup")
        down = time.monotonic()
        lost.note = f"data window lost: {down - window.backed_up:.1f} s of writes"
        for service in SERVICES:
            for replica in injector.fleet.replicas[service]:
                await asyncio.to_thread(replica.kill)
        for service in SERVICES:
            await destroy(service)
        await asyncio.to_thread(_run, [str(PYTHON), str(REPO / "infra" / "postgres" / "pgctl.py"), "provision", "--cluster", "data"])
        for service, dump in dumps.items():
            await asyncio.to_thread(restore, service, dump)
        for engine in injector.engines.values():
            await engine.dispose()  # the harness's own sessions died with the databases
        for service in ERASURE_SERVICES:
            await asyncio.to_thread(reapply_erasures, service)
        for service in SERVICES:
            if consumed_topics(service):
                await _until_empty(consumer_group(service))  # the killed members time out of the group
                applied = await applied_offsets(injector.engines[service], consumer_group(service))
                await rewind(kafka(), consumer_group(service), consumed_topics(service), moment - REWIND_MARGIN, applied)
        replicas = [replica for service in SERVICES for replica in injector.fleet.replicas[service]]
        for replica in replicas:
            replica.start()
        await injector.fleet.wait_ready(replicas, timeout=240)
        window.restored = time.monotonic()
        lost.recovered_after_s = round(window.restored - down, 1)
        yield lost

    return drill
