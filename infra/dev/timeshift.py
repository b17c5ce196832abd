"""Run a command with the clock moved to another moment, for every process it starts.

``python infra/dev/timeshift.py --months 13 --day first --time 00:30 -- python infra/dev/with_infra.py -- pytest``

The moment is chosen relative to today, in France (the Europe/Paris calendar the domain counts in), so
that the check never turns into a moment in the past: N months ahead, on the first or last day of that
month, at a given French time. ``--days`` instead keeps today's hour and moves N days ahead.

How: libfaketime (Debian's ``libfaketime`` package) is preloaded with one offset in seconds. An offset,
not a start date, so that every process started later (PostgreSQL, the Kafka JVM, Keycloak, Chromium,
the services, pytest) reads the same shifted wall clock as every other. Monotonic clocks move by the
same offset: libfaketime 0.9.10 with ``FAKETIME_DONT_FAKE_MONOTONIC`` makes Python's ``time.sleep``
(an absolute ``clock_nanosleep`` on the monotonic clock) fail with EINVAL, and a constant offset leaves
every monotonic interval, and so every timeout, as it was.

The shifted run gets its own PostgreSQL, Kafka and Redis directories under ``.run/timeshift`` (wiped at
the start): rows and records stamped in the future never reach the everyday ``.run`` state. Nothing may
already listen on the database's, the broker's or Redis's port, or the run would reuse a server that reads
the real clock: the command then refuses to start. Redis itself runs on the real clock (libfaketime and
its allocator deadlock; every expiry the gateway sets is relative and its timestamps come from the shifted
clients), in the shifted run's own directory.
"""

from __future__ import annotations

import argparse
import calendar
import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[2]
FRANCE = ZoneInfo("Europe/Paris")
STATE = REPO / ".run" / "timeshift"
PORTS = {
    "PostgreSQL": ("ABRI_PG_PORT", 55432),
    "PostgreSQL's key store": ("ABRI_KEYSTORE_PORT", 55433),
    "Kafka": ("ABRI_KAFKA_PORT", 9092),
    "Kafka's controller": ("ABRI_KAFKA_CONTROLLER_PORT", 9093),
    "Redis": ("ABRI_REDIS_PORT", 56379),
}


def add_months(day: date, months: int) -> tuple[int, int]:
    """The (year, month) ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def target(now: datetime, *, months: int | None, days: int | None, day: str, at: time) -> datetime:
    """The moment to move to, as an aware datetime."""
    if days is not None:
        return now + timedelta(days=days)
    assert months is not None
    year, month = add_months(now.astimezone(FRANCE).date(), months)
    number = 1 if day == "first" else calendar.monthrange(year, month)[1]
    return datetime.combine(date(year, month, number), at, tzinfo=FRANCE)


def library() -> str:
    """libfaketime's path, or exit saying how to install it."""
    installed = sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))  # Debian's multiarch directory
    found = os.environ.get("ABRI_FAKETIME_LIBRARY") or (str(installed[0]) if installed else None)
    if not found or not Path(found).exists():
        raise SystemExit("timeshift: libfaketime is missing: install Debian's package `libfaketime` (or set ABRI_FAKETIME_LIBRARY)")
    return found


def refuse_running_servers() -> None:
    """Exit when a server already listens where the shifted run would start its own."""
    for name, (variable, default) in PORTS.items():
        port = int(os.environ.get(variable, default))
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"timeshift: {name} already listens on 127.0.0.1:{port}; stop it first (it reads the real clock)")


def shifted_environment(offset_seconds: int, preload: str) -> dict[str, str]:
    """The environment of the shifted command: the preloaded library, the offset and the run's own state."""
    env = dict(os.environ)
    env["LD_PRELOAD"] = ":".join(filter(None, [preload, env.get("LD_PRELOAD")]))
    env["FAKETIME"] = f"{offset_seconds:+d}"
    env["ABRI_PG_DIR"] = str(STATE / "postgres")
    env["ABRI_PG_CREDENTIALS"] = str(STATE / "postgres" / "credentials.env")
    env["ABRI_KEYSTORE_DIR"] = str(STATE / "keystore")
    env["ABRI_KAFKA_DIR"] = str(STATE / "kafka")
    env["ABRI_REDIS_DIR"] = str(STATE / "redis")
    env["ABRI_TIMESHIFT_OFFSET"] = str(offset_seconds)  # for the test that checks every clock moved
    return env


def check_shift(env: dict[str, str], moment: datetime) -> None:
    """Exit unless a child process really reads the shifted clock."""
    probe = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"], env=env, capture_output=True, text=True, check=True, timeout=30
    )
    seen = datetime.fromtimestamp(float(probe.stdout), UTC)
    if abs((seen - moment).total_seconds()) > 60:
        raise SystemExit(f"timeshift: a child process reads {seen.isoformat()}, not {moment.isoformat()}: libfaketime did not apply")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--months", type=int, help="move to N months ahead (with --day and --time, in France)")
    when.add_argument("--days", type=int, help="move N days ahead, same hour")
    parser.add_argument("--day", choices=("first", "last"), default="last", help="which day of that month (default: last)")
    parser.add_argument("--time", default="23:30", help="French time of day, HH:MM (default: 23:30)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command: timeshift.py [options] -- COMMAND [ARGS...]")
    if (args.months is not None and args.months < 1) or (args.days is not None and args.days < 1):
        parser.error("the clock only moves ahead: --months and --days must be at least 1")
    try:
        at = time.fromisoformat(args.time)
    except ValueError:
        parser.error(f"--time must look like 23:30, got {args.time!r}")

    preload = library()
    refuse_running_servers()
    now = datetime.now(UTC)
    moment = target(now, months=args.months, days=args.days, day=args.day, at=at)
    offset = round((moment - now).total_seconds())
    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    env = shifted_environment(offset, preload)
    check_shift(env, moment)
    print(
        f"timeshift: running at {moment.astimezone(FRANCE).isoformat()} in France ({moment.astimezone(UTC).isoformat()} UTC),"
        f" {offset} s ahead: {' '.join(command)}",
        file=sys.stderr,
        flush=True,
    )
    return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
