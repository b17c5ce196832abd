"""The ranking's columns kept in memory, per service process, and patched with what each write changed.

Ranking one unit against an association's 100,000 searching households (or one household against
every published unit) is a few milliseconds of numpy (``domain/vector.py``); loading those rows from
PostgreSQL is a few hundred (``db/ranking_columns.py``). So each process keeps, per association, its
searching households as columns (at most ``max_associations`` of them, least recently used first out),
and the published units as columns, each at the *generation* of its scope it was brought to.

A request reads the scope's generation (one primary-key read). When it moved, the cache reads which rows
the new generations changed and loads only those: the columns loaded whole (the *base*) keep their
arrays, the changed rows are masked out of them (``live``) and ranked from a small *patch* holding them as
they are now (or not at all: a household no longer searching, a unit withdrawn). So a ranking right after
a social worker's edit costs two small reads more than a warm one, not a reload of 100,000 rows. The
columns are loaded whole again only when the rows changed since the base pass :func:`patch_limit`, or
when changes older than the base were pruned (``ranking_changes.py``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from abri_matching.db.ranking_columns import (
    UNITS_SCOPE,
    HouseholdTable,
    UnitTable,
    changed_since,
    generation,
    households_scope,
    load_households,
    load_units,
)
from abri_matching.domain.vector import Array, HouseholdColumns, Scores, UnitColumns

Table = TypeVar("Table", HouseholdTable, UnitTable)
Columns = TypeVar("Columns", HouseholdColumns, UnitColumns)
Load = Callable[[AsyncSession, int, Collection[str] | None], Awaitable[Table]]

PATCH_MIN_ROWS = 1_000
PATCH_SHARE = 0.1


def patch_limit(base_rows: int) -> int:
    """How many rows may change after a base before it is loaded whole again: a tenth of it, 1,000 at least
    (the patch is ranked as columns too, but its masks and copies grow with it)."""
    return max(PATCH_MIN_ROWS, int(base_rows * PATCH_SHARE))


@dataclass(frozen=True)
class Ranked(Generic[Table]):
    """A scope's rows as of ``generation``: the ``base`` loaded whole, less the rows changed since (``live``
    is False for those), and the ``patch``: the changed rows that still qualify, as they are now. Never
    changed in place: a request keeps ranking the one it got while another brings the scope further."""

    generation: int
    base: Table
    index: Mapping[str, int]
    """Each base row's id -> its row."""
    live: Array
    patch: Table
    changed: frozenset[str]
    """Every row changed since the base (masked out of it)."""

    @classmethod
    def whole(cls, table: Table) -> Ranked[Table]:
        return cls(
            table.generation, table, {row_id: row for row, row_id in enumerate(table.ids)}, np.ones(len(table.ids), dtype=bool),
            table.take([]), frozenset(),
        )  # fmt: skip

    @property
    def ids(self) -> list[str]:
        """The ids of the rows ranked (base rows still live, then the patch's)."""
        return [row_id for row_id, live in zip(self.base.ids, self.live.tolist(), strict=True) if live] + list(self.patch.ids)

    def patched(self, changed: Collection[str], fresh: Table) -> Ranked[Table]:
        """With the rows ``changed`` replaced by ``fresh`` (those of them that still qualify, at the new generation)."""
        gone = set(changed)
        masked = [self.index[row_id] for row_id in gone if row_id in self.index]
        live = self.live
        if masked:
            live = live.copy()
            live[masked] = False
        kept = [row for row, row_id in enumerate(self.patch.ids) if row_id not in gone]
        patch = self.patch.take(kept).then(fresh)
        return Ranked(fresh.generation, self.base, self.index, live, patch, self.changed | gone)

    def best(self, columns: Callable[[Table], Columns], score: Callable[[Columns], Scores], limit: int) -> list[str]:
        """The ids of the ``limit`` best rows, as ``Scores.best`` orders them (score descending, then id), over
        the live base rows and the patch: ``columns`` gives a table's columns for the request, ``score`` scores them."""
        found: list[tuple[float, str]] = []
        for table, live in ((self.base, self.live), (self.patch, None)):
            if not table.ids:
                continue
            ranked = columns(table)
            scores = score(ranked)
            if live is not None:
                scores = Scores(scores.eligible & live, scores.score)
            found += [(-round(float(scores.score[row]), 12), ranked.ids[row]) for row in scores.best(ranked.ids, limit)]
        return [row_id for _, row_id in sorted(found)[:limit]]


class RankingCache:
    """Per process: the searching households of the ``max_associations`` most recently ranked
    associations, and the published units; each brought to its scope's generation when it moved."""

    def __init__(self, max_associations: int) -> None:
        self.max_associations = max_associations
        self._households: OrderedDict[str, Ranked[HouseholdTable]] = OrderedDict()
        self._units: Ranked[UnitTable] | None = None
        self._loading: dict[str, asyncio.Lock] = {}
        self.loads = 0
        """How many times columns were loaded whole from the database (for tests and metrics)."""
        self.patches = 0
        """How many times columns were patched with the rows a write changed."""

    async def households(self, session: AsyncSession, org_id: str) -> Ranked[HouseholdTable]:
        def load(session: AsyncSession, at: int, ids: Collection[str] | None) -> Awaitable[HouseholdTable]:
            return load_households(session, org_id, at, ids)

        ranked = await self._current(session, households_scope(org_id), lambda: self._households.get(org_id), load)
        self._households[org_id] = ranked
        self._households.move_to_end(org_id)
        while len(self._households) > self.max_associations:
            evicted, _ = self._households.popitem(last=False)
            self._loading.pop(households_scope(evicted), None)
        return ranked

    async def units(self, session: AsyncSession) -> Ranked[UnitTable]:
        self._units = await self._current(session, UNITS_SCOPE, lambda: self._units, load_units)
        return self._units

    async def _current(
        self, session: AsyncSession, scope: str, cached: Callable[[], Ranked[Table] | None], load: Load[Table]
    ) -> Ranked[Table]:
        """The scope's rows at its current generation at least: the cached ones, patched, or loaded whole."""
        current = await generation(session, scope)
        found = cached()
        if found is not None and found.generation >= current:
            return found
        async with self._loading.setdefault(scope, asyncio.Lock()):  # one load or patch at a time per scope
            found = cached()
            if found is not None and found.generation >= current:
                return found
            if found is not None:
                room = patch_limit(len(found.base.ids)) - len(found.changed)
                changes = await changed_since(session, scope, found.generation, current, max(room, 0))
                if changes.rows is not None:
                    self.patches += 1
                    return found.patched(changes.rows, await load(session, current, changes.rows))
            self.loads += 1
            return Ranked.whole(await load(session, current, None))
