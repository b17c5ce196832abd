"""A restore after an erasure, as ops would run it: the data database *and* the key store dumped before a
household is erased, both restored afterwards into fresh databases (the sealed data and the key are back,
and open), then ``abri-ops erasures reapply matching`` against the restored pair: nothing of the erased
household opens any more, another household still does, and ``erasures status`` is clean."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from abri_kit.envelope import Keyring, WrappedKey, open_json
from abri_ops.cli import app as ops
from tests.matching.test_households_api import api as api
from tests.matching.test_households_api import as_, register, unique
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import credentials, database_url, libpq, pg_tool

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(300)]
NAMESPACE = "household"


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1) if url.startswith("postgresql://") else url


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def run(*command: str) -> None:
    await asyncio.to_thread(subprocess.run, list(command), check=True, timeout=240, capture_output=True)


async def dump(url: str, into: Path) -> None:
    await run(pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={into}", libpq(url))


@pytest.fixture
async def fresh() -> AsyncIterator[dict[str, str]]:
    """Two empty databases: one on the data server (as its superuser), one on the key store's server (owned by
    matching's key store role); dropped afterwards."""
    data_admin, keys_admin = credentials().get("ABRI_PG_ADMIN_URL"), credentials().get("ABRI_KEYSTORE_ADMIN_URL")
    if not data_admin or not keys_admin:
        pytest.fail("needs ABRI_PG_ADMIN_URL and ABRI_KEYSTORE_ADMIN_URL (with_infra.py provides them)", pytrace=False)
    suffix = uuid.uuid4().hex[:10]
    names = {"data": f"abri_restore_data_{suffix}", "keys": f"abri_restore_keys_{suffix}"}
    keys_role = urlsplit(credentials()["ABRI_MATCHING_KEYSTORE_URL"]).username
    admins = {"data": libpq(data_admin), "keys": libpq(keys_admin)}
    for which, owner in (("data", None), ("keys", keys_role)):
        conn = await asyncpg.connect(admins[which])
        try:
            await conn.execute(f'CREATE DATABASE "{names[which]}"' + (f' OWNER "{owner}"' if owner else ""))
        finally:
            await conn.close()
    try:
        yield {
            "data": asyncpg_url(with_database(data_admin, names["data"])),
            "keys": with_database(credentials()["ABRI_MATCHING_KEYSTORE_URL"], names["keys"]),
        }
    finally:
        for which in ("data", "keys"):
            conn = await asyncpg.connect(admins[which])
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{names[which]}" WITH (FORCE)')
            finally:
                await conn.close()


async def opened(data_url: str, keys_url: str, keyring: Keyring, household_id: str) -> dict[str, object] | None:
    """The household's personal data as the restored pair holds them, or None if they no longer open."""
    data = await asyncpg.connect(libpq(data_url))
    keys = await asyncpg.connect(libpq(keys_url))
    try:
        sealed = await data.fetchval("SELECT personal FROM households WHERE id = $1", uuid.UUID(household_id))
        key = await keys.fetchrow("SELECT kek_id, wrapped FROM data_keys WHERE namespace = $1 AND owner_id = $2", NAMESPACE, household_id)
    finally:
        await data.close()
        await keys.close()
    if sealed is None or key is None:
        return None
    data_key = await keyring.unwrap(WrappedKey(key["kek_id"], bytes(key["wrapped"])), household_id)
    return open_json(data_key, bytes(sealed), household_id, NAMESPACE)


async def test_a_restore_of_data_and_key_store_taken_before_an_erasure_is_closed_again_by_reapply(
    api: tuple[FastAPI, httpx.AsyncClient], issuer: TestIssuer, fresh: dict[str, str], tmp_path: Path
) -> None:
    app, client = api
    keyring: Keyring = app.state.keyring
    worker = as_(issuer, "sw-restore")
    erased, kept = (await register(client, worker, unique("HH")))["id"], (await register(client, worker, unique("HH")))["id"]
    data_dump, keys_dump = tmp_path / "matching.dump", tmp_path / "keys.dump"
    await dump(with_database(credentials()["ABRI_PG_ADMIN_URL"], urlsplit(database_url("matching")).path.lstrip("/")), data_dump)
    await dump(credentials()["ABRI_MATCHING_KEYSTORE_URL"], keys_dump)  # the nightly backups, taken before the erasure

    answer = await client.post(f"/v1/households/{erased}/erase", headers=worker)
    assert answer.status_code == 200, answer.text

    await run(pg_tool("pg_restore"), "--no-owner", "--no-privileges", f"--dbname={libpq(fresh['data'])}", str(data_dump))
    await run(pg_tool("pg_restore"), "--no-owner", "--no-privileges", f"--dbname={libpq(fresh['keys'])}", str(keys_dump))
    back = await opened(fresh["data"], fresh["keys"], keyring, erased)
    assert back is not None and back["identity"]["last_name"] == "Quennehen"  # type: ignore[index]  # what a restore brings back

    env = {
        "ABRI_MATCHING_DATABASE_URL": fresh["data"],
        "ABRI_MATCHING_KEYSTORE_URL": fresh["keys"],
        "ABRI_MATCHING_LEDGER_URL": credentials()["ABRI_MATCHING_LEDGER_URL"],  # the ledger is never restored
    }
    before = await asyncio.to_thread(CliRunner().invoke, ops, ["erasures", "status", "matching", "--json"], env=env)
    assert before.exit_code == 1 and json.loads(before.stdout)[0]["namespaces"][NAMESPACE]["keys_left"] >= 1  # it tells
    result = await asyncio.to_thread(CliRunner().invoke, ops, ["erasures", "reapply", "matching", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)[0]
    assert report["keys_shredded"][NAMESPACE] >= 1 and report["rows_emptied"][f"{NAMESPACE}:households"] >= 1

    assert await opened(fresh["data"], fresh["keys"], keyring, erased) is None
    data = await asyncpg.connect(libpq(fresh["data"]))
    keys = await asyncpg.connect(libpq(fresh["keys"]))
    try:
        assert await data.fetchval("SELECT personal FROM households WHERE id = $1", uuid.UUID(erased)) is None
        assert await keys.fetchval("SELECT count(*) FROM data_keys WHERE namespace = $1 AND owner_id = $2", NAMESPACE, erased) == 0
    finally:
        await data.close()
        await keys.close()
    still = await opened(fresh["data"], fresh["keys"], keyring, kept)
    assert still is not None and still["identity"]["last_name"] == "Quennehen"  # type: ignore[index]
    after = await asyncio.to_thread(CliRunner().invoke, ops, ["erasures", "status", "matching", "--json"], env=env)
    assert after.exit_code == 0 and json.loads(after.stdout)[0]["namespaces"][NAMESPACE]["keys_left"] == 0
