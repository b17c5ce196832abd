"""The local Redis of ``make run`` and ``make test`` (infra/redis/redisctl.py): 127.0.0.1 only, a password
generated once and kept in a private file, nothing written to disk; it starts under libfaketime too."""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import REPO, free_port

REDISCTL = [sys.executable, str(REPO / "infra" / "redis" / "redisctl.py")]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[dict[str, str], int]]:
    port = free_port()
    env = {**os.environ, "ABRI_REDIS_DIR": str(tmp_path / "redis"), "ABRI_REDIS_PORT": str(port)}
    yield env, port
    subprocess.run([*REDISCTL, "stop"], env=env, check=False, timeout=60)


def ask(port: int, command: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command)
        return sock.recv(256)


def test_it_starts_with_a_password_of_its_own_on_loopback_and_stops(private_redis: tuple[dict[str, str], int]) -> None:
    env, port = private_redis
    directory = Path(env["ABRI_REDIS_DIR"])
    assert subprocess.run([*REDISCTL, "status"], env=env, check=False, timeout=60).returncode == 1
    subprocess.run([*REDISCTL, "start"], env=env, check=True, timeout=60)
    credentials = directory / "credentials.env"
    assert credentials.stat().st_mode & 0o777 == 0o600 and (directory / "redis.conf").stat().st_mode & 0o777 == 0o600
    values = dict(line.split("=", 1) for line in credentials.read_text().splitlines() if "=" in line and not line.startswith("#"))
    password = values["ABRI_REDIS_PASSWORD"]
    assert len(password) >= 40 and values["ABRI_REDIS_URL"] == f"redis://:{password}@127.0.0.1:{port}/0"
    assert ask(port, b"PING\r\n").startswith(b"-NOAUTH")  # nothing without the password
    assert ask(port, f"AUTH {password}\r\nPING\r\n".encode()).startswith(b"+OK")
    config = (directory / "redis.conf").read_text()
    assert "bind 127.0.0.1" in config and 'save ""' in config and "appendonly no" in config
    assert subprocess.run([*REDISCTL, "start"], env=env, check=False, timeout=60).returncode == 0  # already running: reused

    subprocess.run([*REDISCTL, "stop"], env=env, check=True, timeout=60)
    assert subprocess.run([*REDISCTL, "status"], env=env, check=False, timeout=60).returncode == 1
    subprocess.run([*REDISCTL, "start"], env=env, check=True, timeout=60)
    assert dict(line.split("=", 1) for line in credentials.read_text().splitlines() if "=" in line)["ABRI_REDIS_PASSWORD"] == password


def test_it_starts_under_libfaketime(private_redis: tuple[dict[str, str], int]) -> None:
    env, _ = private_redis
    [library, *_] = glob.glob("/usr/lib/*/faketime/libfaketime.so.1") or [""]
    assert library, "libfaketime is missing (Debian's libfaketime: make test-timeshift needs it)"
    shifted = {**env, "LD_PRELOAD": library, "FAKETIME": "+34000000"}  # Redis's allocator would deadlock under it
    subprocess.run([*REDISCTL, "start"], env=shifted, check=True, timeout=60)
    assert subprocess.run([*REDISCTL, "status"], env=shifted, check=False, timeout=60).returncode == 0
