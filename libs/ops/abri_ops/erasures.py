"""Erasures after a restore: every subject of the erasure ledger shredded again in the key store, and what the
service's declaration says an erasure empties emptied again in its database (``abri-ops erasures reapply``).

A restore (of the data's backups, of the key store's, or both) may bring back keys and sealed data erased after
the backup was taken; the ledger is kept outside both, so it still lists them. Re-applying is idempotent: a key
already gone stays gone, a column already empty stays empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_kit.key_rotation import Emptied, KeyringDeclaration
from abri_kit.keystore import ErasureLedger, KeyStore


@dataclass
class ReapplyReport:
    """What a run found and did, per namespace: subjects in the ledger, keys shredded again, rows emptied again."""

    ledger: dict[str, int] = field(default_factory=dict)
    keys_shredded: dict[str, int] = field(default_factory=dict)
    rows_emptied: dict[str, int] = field(default_factory=dict)


async def _empty(engine: AsyncEngine, emptied: Emptied, subjects: Sequence[str]) -> int:
    """Empty (or delete) ``emptied.table``'s rows of the subjects; returns the rows changed."""
    table = sa.table(emptied.table, sa.column(emptied.subject_column))
    match = sa.cast(table.c[emptied.subject_column], sa.Text).in_(list(subjects))
    changed = 0
    async with engine.begin() as conn:
        if emptied.delete:
            result = await conn.execute(sa.delete(table).where(match))
            return result.rowcount or 0
        names = [name for name, _ in emptied.assignments]
        target = sa.table(emptied.table, sa.column(emptied.subject_column), *(sa.column(name) for name in names))
        values: dict[str, sa.ColumnElement[object]] = {name: sa.literal_column(sql) for name, sql in emptied.assignments}
        differs = sa.or_(*(target.c[name].is_distinct_from(sa.literal_column(sql)) for name, sql in emptied.assignments))
        where = sa.cast(target.c[emptied.subject_column], sa.Text).in_(list(subjects))
        result = await conn.execute(sa.update(target).where(where, differs).values(values))
        changed += result.rowcount or 0
    return changed


async def reapply(declaration: KeyringDeclaration, ledger: ErasureLedger, store: KeyStore, engine: AsyncEngine | None) -> ReapplyReport:
    """Shred again every key the ledger lists for the declaration's namespaces; then, with the service's database
    (``engine``), empty again what its declaration says an erasure empties."""
    report = ReapplyReport()
    for namespace in declaration.keystore:
        subjects = await ledger.subjects(namespace)
        report.ledger[namespace] = len(subjects)
        report.keys_shredded[namespace] = await store.shred(namespace, subjects) if subjects else 0
        if engine is None or not subjects:
            continue
        for emptied in declaration.erased:
            if emptied.namespace == namespace:
                report.rows_emptied[f"{namespace}:{emptied.table}"] = await _empty(engine, emptied, subjects)
    return report


async def keys_left(declaration: KeyringDeclaration, ledger: ErasureLedger, store: KeyStore) -> dict[str, int]:
    """``{namespace: keys of erased subjects still in the key store}``: 0 everywhere, or a restore needs a reapply."""
    left: dict[str, int] = {}
    for namespace in declaration.keystore:
        left[namespace] = sum([1 for subject in await ledger.subjects(namespace) if await store.get(namespace, subject) is not None])
    return left
