"""Per-person data keys kept outside the data backups, and the erasure ledger that re-applies erasures after
a restore (docs/decisions/0005-crypto-shredding.md).

- :class:`KeyStore` is the adapter interface: where an owner's data key lives, **still wrapped** by the
  service's key-encryption key (``abri_kit.envelope``; the store never sees a clear key). The one adapter
  built is :class:`PostgresKeyStore`: a database of the service's own (``ABRI_<SERVICE>_KEYSTORE_URL``) on
  a PostgreSQL instance that is not the data's (infra/postgres/README.md), with its own role and its own
  short backup retention. An external KMS would stand in by implementing the same five methods (``put``,
  ``get``, ``shred``, ``usage``, ``rewrap``): ``put`` stores a wrapped key (or wraps with the KMS's key),
  ``shred`` destroys it for good, ``rewrap`` re-wraps under the current key.
- Shredding deletes the row and then rewrites the table (``VACUUM FULL``, outside a transaction) so that
  the wrapped key's bytes leave the table's data files at once (a plain VACUUM leaves them in the page's
  free space); the key column carries no planner statistics (``SET STATISTICS 0``), so ``pg_stats`` never
  shows a wrapped key.
- :class:`ErasureLedger` is an append-only table in its own database (``ABRI_<SERVICE>_LEDGER_URL``, on the
  key store's server, outside both the data's and the key store's database dumps): namespace, subject id,
  request id, who asked and when, no personal data. An erasure is written there *before* its key is
  shredded; ``abri-ops erasures reapply`` shreds again every key it lists after any restore.

Why no Alembic for the key store: it holds one table whose shape follows the kit, not a service;
:func:`PostgresKeyStore.ensure_schema` creates it idempotently (under an advisory lock) from the service's
migrate command and on first use.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from abri_kit.envelope import KeyEncryption, KeyringError, Unreadable, WrappedKey

TABLE = "data_keys"
LEDGER_TABLE = "erasures"
Requester = Literal["household", "association", "dpo", "retention"]
"""Who asked for an erasure (the household, its association on its behalf, ops for a request made to the data
protection officer, or the retention period's end)."""
_SCHEMA_LOCK = 0x4B455953  # "KEYS": one schema step at a time per key store database
_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        namespace text NOT NULL,
        owner_id text NOT NULL,
        kek_id text NOT NULL,
        wrapped bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (namespace, owner_id)
    )""",
    # No statistics on the wrapped keys: ANALYZE would copy some of them into pg_statistic (histogram bounds,
    # most common values), which the role reads through pg_stats, and which no DELETE ever removes.
    f"ALTER TABLE {TABLE} ALTER COLUMN wrapped SET STATISTICS 0",
    f"ALTER TABLE {TABLE} ALTER COLUMN wrapped SET STORAGE PLAIN",  # never in a TOAST table of its own
)


class KeyStoreError(RuntimeError):
    """The key store or the erasure ledger is not configured or not reachable."""


class KeyStore(ABC):
    """Where data keys live, wrapped; one namespace per kind of owner (``household``, ``file``, ``person``)."""

    @abstractmethod
    async def put(self, namespace: str, owner: str, wrapped: WrappedKey) -> WrappedKey:
        """Store ``owner``'s wrapped key unless one is there already; returns the key now stored."""

    @abstractmethod
    async def get(self, namespace: str, owner: str) -> WrappedKey | None:
        """``owner``'s wrapped key, or None (never created, or shredded)."""

    @abstractmethod
    async def get_many(self, namespace: str, owners: Sequence[str]) -> dict[str, WrappedKey]:
        """The wrapped keys of those of ``owners`` that have one, by owner (one read)."""

    @abstractmethod
    async def shred(self, namespace: str, owners: Sequence[str]) -> int:
        """Destroy the owners' keys for good (physically, not only logically); returns how many were there."""

    @abstractmethod
    async def usage(self, namespace: str) -> dict[str, int]:
        """``{kek_id: keys}`` of the namespace: which KEKs the keys depend on."""

    @abstractmethod
    async def rewrap(
        self, namespace: str, keyring: KeyEncryption, *, batch_size: int = 500, on_batch: Callable[[int], Awaitable[None]] | None = None
    ) -> tuple[int, list[str]]:
        """Re-wrap every key of the namespace not under the current KEK (``keyring.current_kek()``); ``(re-wrapped,
        failures)``. A :class:`~abri_kit.envelope.KeyServiceError` stops it: the batch under way is not written."""


def _table() -> sa.TableClause:
    return sa.table(TABLE, sa.column("namespace"), sa.column("owner_id"), sa.column("kek_id"), sa.column("wrapped"))


class _Engines:
    """One engine per event loop (an asyncpg connection belongs to the loop that opened it): the services'
    tests run several apps, each in its own loop, in one process. The key store's engine is handed out once its
    schema is ensured: every request that comes while the first is creating it waits for it (one lock per loop)."""

    def __init__(self, url: str, pool_size: int) -> None:
        self.url = url
        self.pool_size = pool_size
        self._engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncEngine] = weakref.WeakKeyDictionary()
        self._prepared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._ready: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()

    def get(self) -> AsyncEngine:
        loop = asyncio.get_running_loop()
        engine = self._engines.get(loop)
        if engine is None:
            engine = create_async_engine(self.url, pool_size=self.pool_size, max_overflow=self.pool_size, pool_pre_ping=True)
            self._engines[loop] = engine
        return engine

    async def prepared(self, prepare: Callable[[AsyncEngine], Awaitable[None]]) -> AsyncEngine:
        """This loop's engine, after ``prepare`` ran on it once to the end (a failed one runs again next time)."""
        loop = asyncio.get_running_loop()
        engine = self.get()
        if loop in self._ready:
            return engine
        lock = self._prepared.setdefault(loop, asyncio.Lock())
        async with lock:
            if loop not in self._ready:
                await prepare(engine)
                self._ready.add(loop)
        return engine

    async def dispose(self) -> None:
        loop = asyncio.get_running_loop()
        engine = self._engines.pop(loop, None)
        self._ready.discard(loop)
        if engine is not None:
            await engine.dispose()


class PostgresKeyStore(KeyStore):
    """The key store in a PostgreSQL database of the service's own (``ABRI_<SERVICE>_KEYSTORE_URL``)."""

    def __init__(self, url: str, *, pool_size: int = 3) -> None:
        self._engines = _Engines(url, pool_size)

    @property
    def url(self) -> str:
        return self._engines.url

    async def engine(self) -> AsyncEngine:
        """This loop's engine, the schema ensured on first use (the requests that come meanwhile wait for it)."""
        return await self._engines.prepared(ensure_schema)

    async def close(self) -> None:
        await self._engines.dispose()

    async def put(self, namespace: str, owner: str, wrapped: WrappedKey) -> WrappedKey:
        t = _table()
        insert = pg_insert(t).values(namespace=namespace, owner_id=owner, kek_id=wrapped.kek_id, wrapped=wrapped.blob)
        async with (await self.engine()).begin() as conn:
            await conn.execute(insert.on_conflict_do_nothing(index_elements=["namespace", "owner_id"]))
            row = (await conn.execute(sa.select(t.c.kek_id, t.c.wrapped).where(t.c.namespace == namespace, t.c.owner_id == owner))).one()
        return WrappedKey(str(row[0]), bytes(row[1]))

    async def get(self, namespace: str, owner: str) -> WrappedKey | None:
        t = _table()
        async with (await self.engine()).connect() as conn:
            row = (await conn.execute(sa.select(t.c.kek_id, t.c.wrapped).where(t.c.namespace == namespace, t.c.owner_id == owner))).first()
        return None if row is None else WrappedKey(str(row[0]), bytes(row[1]))

    async def get_many(self, namespace: str, owners: Sequence[str]) -> dict[str, WrappedKey]:
        if not owners:
            return {}
        t = _table()
        query = sa.select(t.c.owner_id, t.c.kek_id, t.c.wrapped).where(t.c.namespace == namespace, t.c.owner_id.in_(list(owners)))
        async with (await self.engine()).connect() as conn:
            rows = (await conn.execute(query)).all()
        return {str(owner): WrappedKey(str(kek_id), bytes(wrapped)) for owner, kek_id, wrapped in rows}

    async def shred(self, namespace: str, owners: Sequence[str]) -> int:
        """Delete the rows, then rewrite the table without them (``VACUUM FULL``: a new data file holding
        only the live rows; the old one is truncated at commit and unlinked at the next checkpoint). The
        rewrite runs even when no row was found, so that a shred interrupted between its two steps is
        finished by the next one (``abri-ops erasures reapply``)."""
        t = _table()
        engine = await self.engine()
        deleted = 0
        async with engine.begin() as conn:
            for start in range(0, len(owners), 1000):
                chunk = list(owners[start : start + 1000])
                result = await conn.execute(sa.delete(t).where(t.c.namespace == namespace, t.c.owner_id.in_(chunk)))
                deleted += result.rowcount or 0
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text(f"VACUUM (FULL) {TABLE}"))
        return deleted

    async def usage(self, namespace: str) -> dict[str, int]:
        t = _table()
        async with (await self.engine()).connect() as conn:
            rows = await conn.execute(
                sa.select(t.c.kek_id, sa.func.count()).where(t.c.namespace == namespace).group_by(t.c.kek_id).order_by(t.c.kek_id)
            )
            return {str(kid): int(n) for kid, n in rows}

    async def rewrap(
        self, namespace: str, keyring: KeyEncryption, *, batch_size: int = 500, on_batch: Callable[[int], Awaitable[None]] | None = None
    ) -> tuple[int, list[str]]:
        t = _table()
        current = await keyring.current_kek()
        update = (
            sa.update(t)
            .where(t.c.namespace == namespace, t.c.owner_id == sa.bindparam("b_owner"), t.c.kek_id == sa.bindparam("b_old"))
            .values(kek_id=sa.bindparam("b_kek"), wrapped=sa.bindparam("b_wrapped"))
        )
        rewrapped, failures, last = 0, [], None
        engine = await self.engine()
        while True:
            query = sa.select(t.c.owner_id, t.c.kek_id, t.c.wrapped).where(t.c.namespace == namespace, t.c.kek_id != current)
            if last is not None:
                query = query.where(t.c.owner_id > last)
            query = query.order_by(t.c.owner_id).limit(batch_size).with_for_update(skip_locked=True)
            async with engine.begin() as conn:
                rows = (await conn.execute(query)).all()
                if not rows:
                    break
                changes = []
                for owner, kek, blob in rows:
                    try:
                        new = await keyring.rewrap(WrappedKey(str(kek), bytes(blob)), str(owner))
                    except Unreadable as exc:
                        failures.append(f"{TABLE} {namespace} {owner}: {exc}")
                        continue
                    changes.append({"b_owner": owner, "b_old": kek, "b_kek": new.kek_id, "b_wrapped": new.blob})
                if changes:
                    await conn.execute(update, changes)
            last = rows[-1][0]
            rewrapped += len(changes)
            if on_batch is not None:
                await on_batch(len(changes))
        return rewrapped, failures


async def ensure_schema(engine: AsyncEngine) -> None:
    """The key store's table, created or completed idempotently (one process at a time)."""
    async with engine.begin() as conn:
        await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
        target = await conn.scalar(
            sa.text(
                "SELECT a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relname = :t AND c.relnamespace = 'public'::regnamespace AND a.attname = 'wrapped'"
            ),
            {"t": TABLE},
        )
        if target == 0:
            return
        for statement in _SCHEMA:
            await conn.execute(sa.text(statement))


@dataclass(frozen=True)
class LedgerEntry:
    """One erased subject: which namespace (``household``, ``file``, ``person``), its id, the request, who
    asked (:data:`Requester`) and when. No personal data."""

    namespace: str
    subject_id: str
    request_id: str
    requested_by: str
    requested_at: datetime
    recorded_at: datetime | None = None


class ErasureLedger:
    """The append-only list of erasures (``ABRI_<SERVICE>_LEDGER_URL``): written before a key is shredded, read
    by ``abri-ops erasures reapply`` after a restore. The service role may only read and add (pgctl provisions
    it: a trigger refuses UPDATE, DELETE and TRUNCATE; infra/postgres/README.md)."""

    def __init__(self, url: str, *, pool_size: int = 2) -> None:
        self._engines = _Engines(url, pool_size)

    async def close(self) -> None:
        await self._engines.dispose()

    def _table(self) -> sa.TableClause:
        return sa.table(
            LEDGER_TABLE,
            sa.column("seq"),
            sa.column("namespace"),
            sa.column("subject_id"),
            sa.column("request_id"),
            sa.column("requested_by"),
            sa.column("requested_at"),
            sa.column("recorded_at"),
        )

    async def record(self, entries: Iterable[LedgerEntry]) -> None:
        """Add the entries (a subject already listed keeps its first entry: a repeated erasure is one)."""
        rows = [
            {
                "namespace": e.namespace,
                "subject_id": e.subject_id,
                "request_id": e.request_id,
                "requested_by": e.requested_by,
                "requested_at": e.requested_at,
            }
            for e in entries
        ]
        if not rows:
            return
        engine = self._engines.get()
        insert = pg_insert(self._table()).on_conflict_do_nothing(index_elements=["namespace", "subject_id"])
        async with engine.begin() as conn:
            await conn.execute(insert, rows)

    async def subjects(self, namespace: str) -> list[str]:
        """Every subject erased in the namespace, oldest first."""
        t = self._table()
        engine = self._engines.get()
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(t.c.subject_id).where(t.c.namespace == namespace).order_by(t.c.seq))
            return [str(r[0]) for r in rows]

    async def counts(self) -> dict[str, dict[str, object]]:
        """``{namespace: {"erased": n, "last": datetime}}``."""
        t = self._table()
        engine = self._engines.get()
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(t.c.namespace, sa.func.count(), sa.func.max(t.c.recorded_at)).group_by(t.c.namespace))
            return {str(ns): {"erased": int(n), "last": last} for ns, n, last in rows}


# ------------------------------------------------------------------ the services' keys, for their use cases


@dataclass
class _Configured:
    store: KeyStore
    ledger: ErasureLedger


_CONFIGURED: dict[str, _Configured] = {}


def configure(namespace: str, store: KeyStore, ledger: ErasureLedger) -> None:
    """Where ``namespace``'s keys and erasures are kept, for this process (a service's ``create_app``)."""
    _CONFIGURED[namespace] = _Configured(store, ledger)


def configure_urls(namespace: str, keystore_url: str | None, ledger_url: str | None, variable_prefix: str) -> None:
    """:func:`configure` from a service's settings; :class:`KeyringError` (the service refuses to start) without them."""
    if not keystore_url or not ledger_url:
        raise KeyringError(
            f"{variable_prefix}KEYSTORE_URL and {variable_prefix}LEDGER_URL must be set: personal data keys live only in the key store"
        )
    found = _CONFIGURED.get(namespace)
    if found is not None and isinstance(found.store, PostgresKeyStore) and found.store.url == keystore_url:
        return  # another app of the same service in this process (tests): the same store
    configure(namespace, PostgresKeyStore(keystore_url), ErasureLedger(ledger_url))


def _configured(namespace: str) -> _Configured:
    found = _CONFIGURED.get(namespace)
    if found is None:
        raise KeyStoreError(f"no key store configured for {namespace!r} in this process")
    return found


@dataclass
class PersonalKeys:
    """A service's per-person data keys: ``keyring`` (the local KEKs, or a transit engine) wraps them, the
    configured key store keeps them."""

    keyring: KeyEncryption
    _store: KeyStore | None = field(default=None, repr=False)

    @property
    def store(self) -> KeyStore:
        return self._store or _configured(self.keyring.namespace).store

    @staticmethod
    def store_of(namespace: str) -> KeyStore:
        """The key store configured for ``namespace`` in this process (to shred keys without unwrapping any)."""
        return _configured(namespace).store

    @property
    def namespace(self) -> str:
        return self.keyring.namespace

    async def create(self, owner: str) -> bytes:
        """A new data key for ``owner``, stored (wrapped, committed) before the data sealed with it are written:
        a key without data is harmless, data without a key would be lost. If ``owner`` has one already, it."""
        data_key = self.keyring.new_data_key()
        wrapped = await self.keyring.wrap(data_key, owner)  # the key service first: if it fails, nothing is stored
        stored = await self.store.put(self.namespace, owner, wrapped)
        return data_key if stored == wrapped else await self.keyring.unwrap(stored, owner)

    async def find(self, owner: str) -> bytes | None:
        """``owner``'s data key, or None once shredded (or never created)."""
        wrapped = await self.store.get(self.namespace, owner)
        return None if wrapped is None else await self.keyring.unwrap(wrapped, owner)

    async def find_many(self, owners: Collection[str]) -> dict[str, bytes]:
        """The data keys of those of ``owners`` that have one, by owner (one read of the key store; the
        shredded, or never created, are absent)."""
        wrapped = await self.store.get_many(self.namespace, sorted(set(owners)))
        return {owner: await self.keyring.unwrap(key, owner) for owner, key in wrapped.items()}

    async def require(self, owner: str) -> bytes:
        """``owner``'s data key; :class:`Unreadable` once shredded."""
        found = await self.find(owner)
        if found is None:
            raise Unreadable(f"the data key of {self.namespace} {owner} was erased")
        return found


async def erase(
    namespace: str,
    owners: Sequence[str],
    *,
    at: datetime,
    request_id: uuid.UUID | str | None = None,
    requested_by: str = "association",
) -> None:
    """Crypto-shred ``owners``: the ledger first (so that a restore cannot bring them back), then their keys.
    The caller updates its own data afterwards (the third step); if anything stops in between, a repeat of the
    erasure, or ``abri-ops erasures reapply``, finishes it."""
    if not owners:
        return
    configured = _configured(namespace)
    request = str(request_id or uuid.uuid4())
    await configured.ledger.record(LedgerEntry(namespace, owner, request, requested_by, at) for owner in owners)
    await configured.store.shred(namespace, owners)


# ------------------------------------------------------------------------ migrations moving keys here


def _in_own_loop(coroutine_factory: Callable[[], Awaitable[object]]) -> object:
    """Run a coroutine to completion in a thread of its own (Alembic runs migrations inside its event loop)."""
    from concurrent.futures import ThreadPoolExecutor

    async def run() -> object:
        return await coroutine_factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=600)


def move_into_keystore(rows: Sequence[tuple[str, str, bytes]], namespace: str, url_variable: str) -> int:
    """For a data migration: copy ``(owner, kek_id, wrapped)`` rows into the key store named by the environment
    variable ``url_variable`` (keys already there are kept), so that the old key table can then be dropped.
    Refuses (RuntimeError) without the variable when there is anything to copy: dropping the table then would
    lose every key."""
    import os

    if not rows:
        return 0
    url = os.environ.get(url_variable)
    if not url:
        raise RuntimeError(f"{url_variable} is not set: the data keys cannot be moved to the key store, so their table is kept")

    async def copy() -> int:
        store = PostgresKeyStore(url)
        try:
            for owner, kek_id, wrapped in rows:
                await store.put(namespace, str(owner), WrappedKey(str(kek_id), bytes(wrapped)))
            return len(rows)
        finally:
            await store.close()

    copied = _in_own_loop(copy)
    assert isinstance(copied, int)
    return copied


def read_from_keystore(namespace: str, url_variable: str) -> list[tuple[str, str, bytes]]:
    """For a migration's downgrade: every ``(owner, kek_id, wrapped)`` of the namespace (none without the variable)."""
    import os

    url = os.environ.get(url_variable)
    if not url:
        return []

    async def read() -> list[tuple[str, str, bytes]]:
        store = PostgresKeyStore(url)
        t = _table()
        try:
            async with (await store.engine()).connect() as conn:
                rows = await conn.execute(sa.select(t.c.owner_id, t.c.kek_id, t.c.wrapped).where(t.c.namespace == namespace))
                return [(str(o), str(k), bytes(w)) for o, k, w in rows]
        finally:
            await store.close()

    found = _in_own_loop(read)
    assert isinstance(found, list)
    return found


class KeyStoreSettings(BaseSettings):
    """The settings of a service whose per-person keys live in the key store (mixed into its settings):
    ``ABRI_<SERVICE>_KEYSTORE_URL`` and ``ABRI_<SERVICE>_LEDGER_URL`` (infra/postgres/README.md)."""

    keystore_url: SecretStr | None = Field(
        default=None,
        description=(
            "The key store (postgresql+asyncpg://...): the service's database on a PostgreSQL instance that is not the data's, "
            "holding its per-person data keys, wrapped. Required to serve; to migrate, when old key tables still hold keys."
        ),
    )
    ledger_url: SecretStr | None = Field(
        default=None,
        description="The erasure ledger (postgresql+asyncpg://...), on the key store's instance, in its own database. Required to serve.",
    )

    def configure_keystore(self, namespaces: Iterable[str], variable_prefix: str) -> None:
        """Where this process keeps ``namespaces``' keys and erasures (:func:`configure_urls`); refuses without them."""
        keystore_url = self.keystore_url.get_secret_value() if self.keystore_url else None
        ledger_url = self.ledger_url.get_secret_value() if self.ledger_url else None
        for namespace in namespaces:
            configure_urls(namespace, keystore_url, ledger_url, variable_prefix)
