"""Every migration goes down as well as up: on a fresh database of its own, each service is migrated to its
head, down to nothing, and up again, and ends with the same tables (a rollback in docs/operations.md relies
on the downgrades)."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from abri_contracts.services import SERVICES
from abri_kit.migrations import downgrade, upgrade
from tests.support import credentials

pytestmark = pytest.mark.timeout(300)


async def admin(statement: str) -> None:
    url = credentials().get("ABRI_PG_ADMIN_URL")
    if not url:
        pytest.fail("needs ABRI_PG_ADMIN_URL (make test provides the embedded server's) to create a database")
    engine = create_async_engine(make_url(url).set(drivername="postgresql+asyncpg"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def tables_of(url: str) -> tuple[set[str], str | None]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            names = set(await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
            version = None
            if "alembic_version" in names:
                version = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
            return names - {"alembic_version"}, version
    finally:
        await engine.dispose()


@pytest.fixture
def fresh_database() -> Iterator[str]:
    name = f"roundtrip_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = make_url(credentials()["ABRI_PG_ADMIN_URL"]).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield base.render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_migrates_up_down_and_up_again(service: str, fresh_database: str) -> None:
    migrations = Path(importlib.import_module(f"abri_{service}.migrate").__file__ or "").parent / "migrations"
    upgrade(migrations, fresh_database)
    tables, head = asyncio.run(tables_of(fresh_database))
    assert head is not None and {"event_outbox", "event_inbox", "idempotency_keys"} <= tables
    downgrade(migrations, fresh_database, "base")
    assert asyncio.run(tables_of(fresh_database)) == (set(), None)
    upgrade(migrations, fresh_database)
    assert asyncio.run(tables_of(fresh_database)) == (tables, head)
