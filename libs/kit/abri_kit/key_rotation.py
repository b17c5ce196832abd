"""Rotation of a service's key-encryption key (KEK): every wrapped value re-wrapped under the current KEK.

Each service that wraps keys declares where (:class:`KeyringDeclaration`, in its ``settings.py``) and
publishes the declaration under the entry-point group ``abri.keyrings``, so that ``abri-ops`` finds it
without importing any service by name. The rotation (:func:`rewrap`) reads the rows whose KEK is not the
current one, in batches, each batch in its own transaction: re-running it after a crash or an interruption
continues where it stopped (rows already under the current KEK are not touched), and a row changed by the
service meanwhile is re-wrapped by the service itself (it always wraps with the current KEK) or at the next
run. The sealed data never change: only the small wrapped values do (``abri_kit.envelope``).

Per-person data keys live in the service's key store (``abri_kit.keystore``): a declaration names their
namespaces (``keystore``), re-wrapped there the same way, and says what an erasure empties in the service's
database (``erased``), for ``abri-ops erasures reapply`` after a restore.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_kit.envelope import KeyEncryption, Unreadable, WrappedKey
from abri_kit.keystore import KeyStore
from abri_kit.settings_files import SettingsFromFiles
from abri_kit.transit import TransitSettings

ENTRY_POINT_GROUP = "abri.keyrings"


@dataclass(frozen=True)
class WrappedColumns:
    """A table holding wrapped values: its primary key (whose text is the owner bound in the associated
    data), the column naming the KEK (NULL: nothing wrapped in that row) and the wrapped bytes."""

    table: str
    owner: str
    kek_id: str
    wrapped: str


@dataclass(frozen=True)
class Emptied:
    """What an erasure of a subject of ``namespace`` empties in the service's database: in ``table``, the rows
    whose ``subject_column`` (as text) is the subject, either deleted or given ``assignments`` (column, SQL
    constant such as ``NULL`` or ``false``: the code's, never input)."""

    namespace: str
    table: str
    subject_column: str
    assignments: tuple[tuple[str, str], ...] = ()
    delete: bool = False


@dataclass(frozen=True)
class KeyringDeclaration:
    """One service's keyring: its namespace, the variable holding its KEKs, the tables it wraps into (in its
    database), the namespaces of its per-person keys in its key store, and what an erasure empties."""

    service: str
    namespace: str
    variable: str
    tables: tuple[WrappedColumns, ...]
    keystore: tuple[str, ...] = ()
    erased: tuple[Emptied, ...] = ()

    def keyring(self, environ: Mapping[str, str] | None = None) -> KeyEncryption:
        """The service's key encryption, as its pods read it: the KEKs (the first one current) of ``variable`` or
        its ``_FILE``, or the transit engine of ``ABRI_<SERVICE>_KEK_TRANSIT_*`` (``abri_kit.transit``)."""
        prefix = self.variable.removesuffix("KEKS")
        settings_class = _key_settings(prefix)
        env: Mapping[str, str] = {} if environ is None else environ  # None: the process's, read by the settings themselves
        given: dict[str, Any] = {name: env[prefix + name.upper()] for name in settings_class.model_fields if prefix + name.upper() in env}
        settings = settings_class(**given)
        return settings.key_encryption(service=self.service, namespace=self.namespace, keks=settings.keks, needed_for="needs them here")


@dataclass
class RotationReport:
    """What a rotation run did: rows re-wrapped, rows that would not open (their KEK is not configured or
    the bytes are damaged: they stay as they were), and what is left under other KEKs afterwards."""

    rewrapped: int = 0
    failures: list[str] = field(default_factory=list)
    remaining: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every wrapped value is under the current KEK: the old KEKs may be removed."""
        return not any(self.remaining.values())


def _table(columns: WrappedColumns) -> sa.TableClause:
    return sa.table(columns.table, sa.column(columns.owner), sa.column(columns.kek_id), sa.column(columns.wrapped))


def _keystore_namespaces(declaration: KeyringDeclaration, store: KeyStore | None) -> tuple[str, ...]:
    if declaration.keystore and store is None:
        raise ValueError(f"{declaration.service} keeps keys in a key store: give it")
    return declaration.keystore


def keystore_label(namespace: str) -> str:
    return f"keystore:{namespace}"


async def kek_usage(engine: AsyncEngine, declaration: KeyringDeclaration, store: KeyStore | None = None) -> dict[str, dict[str, int]]:
    """``{table: {kek_id: rows}}``: which KEKs the service's wrapped values depend on now (the key store's
    namespaces as ``keystore:<namespace>``)."""
    usage: dict[str, dict[str, int]] = {}
    for namespace in _keystore_namespaces(declaration, store):
        assert store is not None
        usage[keystore_label(namespace)] = await store.usage(namespace)
    async with engine.connect() as conn:
        for columns in declaration.tables:
            t = _table(columns)
            kek = t.c[columns.kek_id]
            rows = await conn.execute(sa.select(kek, sa.func.count()).where(kek.is_not(None)).group_by(kek).order_by(kek))
            usage[columns.table] = {str(kid): int(count) for kid, count in rows}
    return usage


async def rewrap(
    engine: AsyncEngine,
    declaration: KeyringDeclaration,
    keyring: KeyEncryption,
    *,
    batch_size: int = 500,
    on_batch: Callable[[str, int], Awaitable[None] | None] | None = None,
    store: KeyStore | None = None,
) -> RotationReport:
    """Re-wrap every value of the declared tables that is not under the current KEK (``keyring.current_kek()``).

    Batches of ``batch_size`` rows in primary-key order, each locked (rows the service holds are skipped,
    and left for the next run) and committed on its own. Idempotent and resumable. ``on_batch(table, n)``
    is told after each committed batch (progress).
    """
    report = RotationReport()
    current = await keyring.current_kek()
    for namespace in _keystore_namespaces(declaration, store):
        assert store is not None
        label = keystore_label(namespace)

        async def progress(count: int, label: str = label) -> None:
            if on_batch is not None:
                result = on_batch(label, count)
                if result is not None:
                    await result

        done, failures = await store.rewrap(namespace, keyring.in_namespace(namespace), batch_size=batch_size, on_batch=progress)
        report.rewrapped += done
        report.failures.extend(failures)
    for columns in declaration.tables:
        t = _table(columns)
        owner, kek, wrapped = t.c[columns.owner], t.c[columns.kek_id], t.c[columns.wrapped]
        update = (
            sa.update(t)
            .where(owner == sa.bindparam("b_owner"), kek == sa.bindparam("b_old_kek"))
            .values({columns.kek_id: sa.bindparam("b_new_kek"), columns.wrapped: sa.bindparam("b_new_wrapped")})
        )
        last: object = None
        while True:
            query = sa.select(owner, kek, wrapped).where(kek.is_not(None), kek != current)
            if last is not None:
                query = query.where(owner > last)
            query = query.order_by(owner).limit(batch_size).with_for_update(skip_locked=True)
            async with engine.begin() as conn:
                rows = (await conn.execute(query)).all()
                if not rows:
                    break
                changes = []
                for row_owner, row_kek, row_wrapped in rows:
                    try:
                        new = await keyring.rewrap(WrappedKey(str(row_kek), bytes(row_wrapped)), str(row_owner))
                    except Unreadable as exc:
                        report.failures.append(f"{columns.table} {row_owner}: {exc}")
                        continue
                    changes.append({"b_owner": row_owner, "b_old_kek": row_kek, "b_new_kek": new.kek_id, "b_new_wrapped": new.blob})
                if changes:
                    await conn.execute(update, changes)
            last = rows[-1][0]
            report.rewrapped += len(changes)
            if on_batch is not None:
                result = on_batch(columns.table, len(changes))
                if result is not None:
                    await result
    usage = await kek_usage(engine, declaration, store)
    current = await keyring.current_kek()  # a transit key may have been rotated meanwhile: then run again
    report.remaining = {table: {kid: n for kid, n in kids.items() if kid != current} for table, kids in usage.items()}
    return report


class _KeySettings(SettingsFromFiles, TransitSettings):
    keks: SecretStr | None = None


def _key_settings(prefix: str) -> type[_KeySettings]:
    """A settings class reading a service's KEKs and transit settings (``ABRI_<SERVICE>_KEKS``,
    ``ABRI_<SERVICE>_KEK_TRANSIT_*``), each from the environment or its ``_FILE``, as the service does."""

    class KeySettings(_KeySettings):
        model_config = SettingsConfigDict(env_prefix=prefix, extra="ignore", frozen=True)

    return KeySettings
