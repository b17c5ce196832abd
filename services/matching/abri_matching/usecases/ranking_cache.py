"""The ranking's columns kept in memory, per service process, and reloaded only when stale.

Ranking one unit against an association's 100,000 searching households (or one household against
every published unit) is a few milliseconds of numpy (``domain/vector.py``); loading those rows from
PostgreSQL is a few hundred (``db/ranking_columns.py``). So each process keeps, per association, its
searching households as columns (at most ``max_associations`` of them, least recently used first out),
and the published units as columns, each tagged with the *generation* it was loaded at; a request
reloads them only when the generation moved (see ``db/ranking_columns.py``).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession

from abri_matching.db.ranking_columns import (
    UNITS_SCOPE,
    HouseholdTable,
    UnitTable,
    generation,
    households_scope,
    load_households,
    load_units,
)


class RankingCache:
    """Per process: the searching households of the ``max_associations`` most recently ranked
    associations, and the published units; each reloaded when its generation moved."""

    def __init__(self, max_associations: int) -> None:
        self.max_associations = max_associations
        self._households: OrderedDict[str, HouseholdTable] = OrderedDict()
        self._units: UnitTable | None = None
        self._loading: dict[str, asyncio.Lock] = {}
        self.loads = 0
        """How many times columns were loaded from the database (for tests and metrics)."""

    async def households(self, session: AsyncSession, org_id: str) -> HouseholdTable:
        scope = households_scope(org_id)
        current = await generation(session, scope)
        cached = self._households.get(org_id)
        if cached is None or cached.generation < current:
            async with self._loading.setdefault(scope, asyncio.Lock()):  # one load at a time per scope
                cached = self._households.get(org_id)
                if cached is None or cached.generation < current:
                    cached = await load_households(session, org_id, current)
                    self.loads += 1
                    self._households[org_id] = cached
        self._households.move_to_end(org_id)
        while len(self._households) > self.max_associations:
            evicted, _ = self._households.popitem(last=False)
            self._loading.pop(households_scope(evicted), None)
        return cached

    async def units(self, session: AsyncSession) -> UnitTable:
        current = await generation(session, UNITS_SCOPE)
        cached = self._units
        if cached is None or cached.generation < current:
            async with self._loading.setdefault(UNITS_SCOPE, asyncio.Lock()):
                cached = self._units
                if cached is None or cached.generation < current:
                    cached = await load_units(session, current)
                    self.loads += 1
                    self._units = cached
        return cached
