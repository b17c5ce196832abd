"""The matching service with its KEK in a transit engine (Abri's development transit server): a household's
personal data sealed under a data key the engine wrapped (the key store holds only ``vault:v<n>:``
ciphertexts), read back through the API; ``/readyz`` reports the engine; an engine that cannot be asked makes
a registration answer 503 with nothing written. Real PostgreSQL and Kafka, as the other service tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_kit.transit import TransitKeys
from abri_matching.main import create_app
from abri_matching.settings import MatchingSettings
from tests.matching.test_households_api import SECRETS, as_, household, unique
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import credentials, database_url, free_port, kafka_bootstrap
from tests.transit_server import TransitServer, running_transit

KEY = f"abri-matching-{os.urandom(3).hex()}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransitServer]:
    with running_transit(tmp_path_factory.mktemp("transit-matching")) as running:
        running.create_key(KEY)
        yield running


@asynccontextmanager
async def matching(issuer: TestIssuer, **transit: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = MatchingSettings(
        database_url=database_url("matching"),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        consumer_enabled=False,
        keks=None,  # no local KEK at all: the engine wraps every data key
        kek_transit_key=KEY,
        **transit,
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://matching") as client:
            yield app, client


async def stored_key(household_id: str) -> tuple[str, bytes] | None:
    engine = create_async_engine(credentials()["ABRI_MATCHING_KEYSTORE_URL"])
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.text("SELECT kek_id, wrapped FROM data_keys WHERE namespace = 'household' AND owner_id = :id"), {"id": household_id}
                )
            ).first()
    finally:
        await engine.dispose()
    return None if row is None else (str(row[0]), bytes(row[1]))


async def households_named(reference: str) -> int:
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(sa.text("SELECT count(*) FROM households WHERE reference = :r"), {"r": reference})
    finally:
        await engine.dispose()
    return int(found or 0)


async def test_a_household_is_sealed_under_a_key_the_engine_wrapped_and_reads_back(
    server: TransitServer, issuer: TestIssuer, migrated: None
) -> None:
    async with matching(issuer, kek_transit_url=server.url, kek_transit_token=server.token) as (app, client):
        assert isinstance(app.state.keyring, TransitKeys)
        worker = as_(issuer, "sw-transit")
        response = await client.post("/v1/households", json=household(unique("HT")), headers=worker)
        assert response.status_code == 201, response.text
        created = response.json()
        key = await stored_key(created["id"])
        assert key is not None and key[0] == f"transit:{KEY}:v1" and key[1].startswith(b"vault:v1:")
        read = await client.get(f"/v1/households/{created['id']}/personal-data", params={"purpose": "contact"}, headers=worker)
        assert read.status_code == 200 and read.json()["identity"]["last_name"] == SECRETS["last_name"]

        server.rotate(KEY)  # a rotation between two reads: the v1 key still opens, new households get v2
        again = await client.get(f"/v1/households/{created['id']}/personal-data", params={"purpose": "contact"}, headers=worker)
        assert again.status_code == 200 and again.json()["identity"]["first_name"] == SECRETS["first_name"]
        second = (await client.post("/v1/households", json=household(unique("HT")), headers=worker)).json()
        assert (await stored_key(second["id"]) or ("", b""))[0] == f"transit:{KEY}:v2"

        ready = await client.get("/readyz")
        assert ready.json()["checks"]["kek_transit"] == "ok", ready.text


async def test_an_engine_that_cannot_be_asked_makes_the_write_503_and_nothing_is_written(
    server: TransitServer, issuer: TestIssuer, migrated: None
) -> None:
    for transit in (
        {"kek_transit_url": f"http://127.0.0.1:{free_port()}", "kek_transit_token": "s.nowhere", "kek_transit_timeout_s": 2},
        {"kek_transit_url": server.url, "kek_transit_token": "s.revoked"},
    ):
        async with matching(issuer, **transit) as (_, client):
            reference = unique("HX")
            response = await client.post("/v1/households", json=household(reference), headers=as_(issuer, "sw-transit"))
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json") and response.headers["retry-after"]
            assert "s.nowhere" not in response.text and "s.revoked" not in response.text and server.url not in response.text
            assert await households_named(reference) == 0
            ready = await client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["kek_transit"] != "ok"
            assert "unreachable" in ready.json()["checks"]["kek_transit"] or "403" in ready.json()["checks"]["kek_transit"]
