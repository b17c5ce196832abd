"""Each service migrates its own database and answers its probes, metrics and OpenAPI."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_contracts.services import SERVICES
from tests.support import PYTHON, REPO, Broker, database_url, kafka_bootstrap, wait_until


def head_of(service: str) -> str:
    """The one head of the service's migrations (several heads would be two histories left unmerged)."""
    package = importlib.import_module(f"abri_{service}")
    heads = ScriptDirectory(str(Path(str(package.__file__)).parent / "migrations")).get_heads()
    assert len(heads) == 1, f"{service}: several Alembic heads {heads}"
    return heads[0]


def settings_env(service: str, bootstrap: str) -> dict[str, str]:
    prefix = f"ABRI_{service.upper()}_"
    return {f"{prefix}DATABASE_URL": database_url(service), f"{prefix}KAFKA_BOOTSTRAP_SERVERS": bootstrap}


def make_app(service: str, bootstrap: str, **kafka: Any) -> FastAPI:
    module = importlib.import_module(f"abri_{service}.main")
    settings_cls = getattr(importlib.import_module(f"abri_{service}.settings"), f"{service.capitalize()}Settings")
    env = settings_env(service, bootstrap)
    prefix = f"ABRI_{service.upper()}_"
    settings = settings_cls(
        database_url=env[f"{prefix}DATABASE_URL"], **{"kafka_bootstrap_servers": bootstrap, **kafka}, readiness_timeout_s=3.0
    )
    app: FastAPI = module.create_app(settings)
    return app


_migrated_once: set[str] = set()

# Each database's Alembic revision (null before the first migration), read by a child process: the module's
# first test may be a unit test, whose setup refuses this process's connections (tests/conftest.py).
_READ_REVISIONS = """
import asyncio, json, sys
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

async def main(urls):
    found = {}
    for name, url in urls.items():
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                known = await conn.run_sync(lambda sync: sa.inspect(sync).has_table("alembic_version"))
                query = sa.text("SELECT version_num FROM alembic_version")
                found[name] = (await conn.execute(query)).scalar() if known else None
        finally:
            await engine.dispose()
    print(json.dumps(found))

asyncio.run(main(json.load(sys.stdin)))
"""


def current_revisions(services: list[str]) -> dict[str, str | None]:
    """The revision each service's database is at (the URLs, which hold passwords, go through stdin)."""
    if not services:
        return {}
    urls = json.dumps({service: database_url(service) for service in services})
    done = subprocess.run([str(PYTHON), "-c", _READ_REVISIONS], input=urls, capture_output=True, text=True, check=True, timeout=60)
    found: dict[str, str | None] = json.loads(done.stdout)
    return found


def migrate_every_service() -> None:
    """Migrate every service's database with its own command, as `make migrate` does: the first time in a
    test session for each service, then again only where its database is no longer at the head (a test
    moved it). Each command starts a Python interpreter that imports the service (about 3.5 s of CPU); run
    for each of some seventy modules, that was a third of `make test`."""
    revisions = current_revisions([service for service in SERVICES if service in _migrated_once])
    for service in SERVICES:
        if service in _migrated_once and revisions.get(service) == head_of(service):
            continue
        env = {**os.environ, **settings_env(service, kafka_bootstrap())}
        subprocess.run([str(PYTHON), "-m", f"abri_{service}.migrate"], env=env, cwd=REPO, check=True, timeout=120)
        _migrated_once.add(service)


@pytest.fixture(scope="module", autouse=True)
def migrated(request: pytest.FixtureRequest) -> None:
    """Every service's database migrated, for each module that imports this fixture (autouse); not when only
    the module's unit tests run (``make test-fast`` starts no database)."""
    selected = [item for item in request.session.items if getattr(item, "module", None) is request.module]
    if selected and all(item.get_closest_marker("unit") for item in selected):
        return
    migrate_every_service()


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_create_the_bus_tables_in_the_services_own_database(service: str) -> None:
    engine = create_async_engine(database_url(service))
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
            version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar_one()
    finally:
        await engine.dispose()
    assert {"event_outbox", "event_inbox", "alembic_version"} <= tables
    assert version == head_of(service)


@pytest.mark.parametrize("service", SERVICES)
async def test_probes_metrics_and_openapi(service: str) -> None:
    app = make_app(service, kafka_bootstrap())
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://svc") as client:
            health = await client.get("/healthz")
            assert health.status_code == 200 and health.json() == {"status": "ok", "service": service}
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "kafka": "ok"}
            metrics = await client.get("/metrics/")
            assert metrics.status_code == 200
            assert "abri_http_requests_total" in metrics.text and 'route="/readyz"' in metrics.text
            openapi = (await client.get("/openapi.json")).json()
            assert openapi["info"]["title"] == f"Abri {service}"
            assert {"/healthz", "/readyz"} <= set(openapi["paths"])
            missing = await client.get("/no-such-route")
            assert missing.status_code == 404
            assert missing.headers["content-type"] == "application/problem+json"
            assert missing.json()["status"] == 404


@pytest.fixture
async def listings_on_own_broker(own_broker: Broker) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app("listings", own_broker.bootstrap, **own_broker.service_settings())
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://svc") as client:
            yield client


@pytest.mark.fault
async def test_readyz_is_503_while_kafka_is_down_and_200_once_back(listings_on_own_broker: httpx.AsyncClient, own_broker: Broker) -> None:
    client = listings_on_own_broker
    assert (await client.get("/readyz")).status_code == 200
    await asyncio.to_thread(own_broker.stop)
    try:
        down = await client.get("/readyz")
        assert down.status_code == 503
        body = down.json()
        assert down.headers["content-type"] == "application/problem+json"
        assert body["checks"]["database"] == "ok" and body["checks"]["kafka"].startswith("kafka unreachable")
        assert (await client.get("/healthz")).status_code == 200  # liveness does not depend on Kafka
    finally:
        await asyncio.to_thread(own_broker.start)

    async def ready() -> bool:
        return (await client.get("/readyz")).status_code == 200

    await wait_until(ready, timeout=30, interval=0.5, what="/readyz to answer 200 again")


@pytest.mark.parametrize("service", SERVICES)
async def test_migrated_schema_matches_the_models(service: str) -> None:
    """The frozen migrations and the live table definitions (the service's, the bus's, the idempotency keys') agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from abri_bus.tables import bus_metadata
    from abri_kit.idempotency import metadata as idempotency_metadata

    if importlib.util.find_spec(f"abri_{service}.db.models") is not None:
        importlib.import_module(f"abri_{service}.db.models")  # registers the service's tables
    base = importlib.import_module(f"abri_{service}.db.base").Base
    engine = create_async_engine(database_url(service))
    try:
        async with engine.connect() as conn:
            both: Any = [base.metadata, bus_metadata, idempotency_metadata]  # alembic accepts a sequence, as target_metadata does
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), both))
    finally:
        await engine.dispose()
    assert diff == []
