"""Run the test suite as N shards side by side, each with its own PostgreSQL, Kafka and Redis.

``python infra/dev/shards.py --shards 2 -- python -m pytest -q ...`` (this is how ``make test`` runs).

The tests spend much of their time waiting on a broker, a database or a browser, so one pytest process
keeps about one core busy. Each shard is a whole ``with_infra.py`` run of its own (its servers on ports and
in directories of its own, so that no shard's broker restart or database restore reaches another), and
runs the test files ``tests/conftest.py`` gives it (``ABRI_TEST_SHARD=k/N``): files are dealt out whole,
by their recorded durations (``tests/durations.json``), so that a module's fixtures are set up once.

Shard 1 keeps the ports and directories of the environment (those of ``make run`` by default, or the
time-shifted run's); shard k adds ``100 * (k - 1)`` to each port and puts its directories beside them.
Every line a shard prints is prefixed with its number; the exit status is the first failing shard's.
Each shard writes a JUnit report (in ``.run/shards``, or ``--reports``): ``python infra/dev/shards.py
durations`` turns the last run's into ``tests/durations.json``; ``down`` stops what the shards of a killed
run left running. Every shard's coverage goes to its own file (``COVERAGE_FILE``, suffixed ``.shard-k``),
for ``coverage combine``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

from stack import REPO, SERVICES, Stack, local_secrets

PORTS = {
    "ABRI_PG_PORT": 55432,
    "ABRI_KEYSTORE_PORT": 55433,
    "ABRI_KAFKA_PORT": 9092,
    "ABRI_KAFKA_CONTROLLER_PORT": 9093,
    "ABRI_REDIS_PORT": 56379,
}
"""Each server's port variable and default (infra/postgres/pgctl.py, infra/kafka/kafka.sh, infra/redis/redisctl.py)."""
DIRECTORIES = {
    "ABRI_PG_DIR": "postgres",
    "ABRI_KEYSTORE_DIR": "keystore",
    "ABRI_KAFKA_DIR": "kafka",
    "ABRI_REDIS_DIR": "redis",
}
"""Each server's run directory variable and its name under ``.run``."""
PORT_STEP = 100
REPORTS = REPO / ".run" / "shards"
DURATIONS = REPO / "tests" / "durations.json"
SHARED = ("ABRI_KAFKA_BOOTSTRAP_SERVERS", "ABRI_REDIS_URL", "ABRI_PG_ADMIN_URL", "ABRI_KEYSTORE_ADMIN_URL")
"""Variables that point every shard at one server: with more than one shard, refused (each shard starts its own)."""


def shard_environment(base: dict[str, str], shard: int, count: int) -> dict[str, str]:
    """The environment of shard ``shard`` (1-based) of ``count``: its ports, directories, coverage file and
    JUnit report; shard 1 keeps the servers of ``base``."""
    env = {**base, "ABRI_TEST_SHARD": f"{shard}/{count}"}
    if shard > 1:
        for variable, default in PORTS.items():
            env[variable] = str(int(base.get(variable, default)) + PORT_STEP * (shard - 1))
        for variable, name in DIRECTORIES.items():
            given = base.get(variable)
            env[variable] = f"{given}-shard-{shard}" if given else str(REPO / ".run" / f"shard-{shard}" / name)
        env["ABRI_PG_CREDENTIALS"] = str(Path(env["ABRI_PG_DIR"]) / "credentials.env")
        env.pop("ABRI_KAFKA_BOOTSTRAP_SERVERS", None)
    env["COVERAGE_FILE"] = f"{base.get('COVERAGE_FILE', REPO / '.run' / 'coverage' / '.coverage')}.shard-{shard}"
    return env


async def _relay(stream: asyncio.StreamReader, prefix: bytes) -> None:
    while line := await stream.readline():
        sys.stdout.buffer.write(prefix + line if line.endswith(b"\n") else prefix + line + b"\n")
        sys.stdout.buffer.flush()


async def _shard(command: list[str], env: dict[str, str], shard: int) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("with_infra.py")),
        "--",
        *command,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        limit=1 << 20,
    )
    assert process.stdout is not None
    await _relay(process.stdout, f"[{shard}] ".encode())
    return await process.wait()


def shared_servers(env: dict[str, str]) -> list[str]:
    """The variables of ``env`` that would make the shards share a server."""
    return sorted(k for k in env if k in SHARED or k.endswith(("_DATABASE_URL", "_KEYSTORE_URL", "_LEDGER_URL")))


async def run(command: list[str], count: int, reports: Path) -> int:
    """Every shard at once; the first failing shard's status, else 0 (``main`` made ``reports`` and the
    machine's local secrets first: written once, before the shards read them)."""
    base = dict(os.environ)
    statuses = await asyncio.gather(
        *(_shard([*command, f"--junitxml={reports / f'shard-{k}.xml'}"], shard_environment(base, k, count), k) for k in range(1, count + 1))
    )
    for shard, status in enumerate(statuses, start=1):
        print(f"shards: shard {shard}/{count} {'passed' if status == 0 else f'failed (exit {status})'}", flush=True)
    return next((status for status in statuses if status), 0)


def durations_by_file(reports: list[Path]) -> dict[str, float]:
    """Seconds per test file (setup, call and teardown) in JUnit reports."""
    seconds: dict[str, float] = defaultdict(float)
    for report in reports:
        for case in ElementTree.parse(report).iter("testcase"):  # noqa: S314 (pytest's own reports of this run)
            module = case.get("classname", "").split("::")[0]
            parts = module.split(".")
            path = next(
                (f"{'/'.join(parts[:n])}.py" for n in range(len(parts), 0, -1) if (REPO / f"{'/'.join(parts[:n])}.py").exists()), None
            )
            if path is not None:
                seconds[path] += float(case.get("time") or 0)
    return {path: round(total, 1) for path, total in sorted(seconds.items())}


def stop_shards(count: int = 4) -> None:
    """Stop the servers shards 2..``count`` left running (a run that was killed): those of every shard
    started by ``run`` stop with it."""
    base = dict(os.environ)
    for shard in range(2, count + 1):
        env = shard_environment(base, shard, count)
        if Path(env["ABRI_PG_DIR"]).exists() or Path(env["ABRI_KAFKA_DIR"]).exists():
            saved = dict(os.environ)
            os.environ.update(env)
            try:
                Stack(started=["postgres-data", "postgres-keystore", "kafka", "redis"]).down()
            finally:
                os.environ.clear()
                os.environ.update(saved)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", type=int, default=int(os.environ.get("ABRI_TEST_SHARDS", "2")), help="how many (default 2)")
    parser.add_argument("--reports", type=Path, default=REPORTS, help=f"where the JUnit reports go (default {REPORTS.relative_to(REPO)})")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- PYTEST COMMAND..., `durations` or `down`")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if command == ["down"]:
        stop_shards()
        return 0
    if command == ["durations"]:
        reports = sorted(args.reports.glob("shard-*.xml"))
        if not reports:
            parser.error(f"no JUnit report in {args.reports}: run the tests through this script first")
        DURATIONS.write_text(json.dumps(durations_by_file(reports), indent=1) + "\n", encoding="utf-8")
        print(f"shards: {DURATIONS.relative_to(REPO)} written from {len(reports)} report(s)")
        return 0
    if not command:
        parser.error("no command: shards.py [--shards N] -- COMMAND [ARGS...]")
    if not 1 <= args.shards <= 4:
        parser.error("--shards must be between 1 and 4")
    if args.shards > 1 and shared_servers(dict(os.environ)):
        parser.error(f"more than one shard starts its own servers: unset {', '.join(shared_servers(dict(os.environ)))}")
    args.reports.mkdir(parents=True, exist_ok=True)
    for stale in args.reports.glob("shard-*.xml"):  # a report of an earlier run with more shards would count twice
        stale.unlink()
    for service in (*SERVICES, "gateway"):
        local_secrets(service)
    return asyncio.run(run(command, args.shards, args.reports))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
