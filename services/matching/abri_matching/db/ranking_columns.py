"""The ranking's columns, loaded from the database (kept in memory by ``usecases/ranking_cache.py``).

An association's searching households, and the published units, each loaded as columns in one query
and tagged with the *generation* it was loaded at.

Triggers bump a generation on every write to ``households`` (one per association) and to ``unit_view``
(migration 0007), in the writing transaction. A request reads the generation (one primary-key read)
and brings the columns to it if it moved: what a request ranks is never older than what was committed when
it started, whichever process or path wrote it (API, journey, consumer, sweeper, a migration, psql).
The generation is read *before* the rows, so a write that lands in between is only read once more.

Since migration 0019 the same triggers note which rows each generation changed (``ranking_changes``):
:func:`changed_since` reads them, and the loaders take ``ids`` to load only those rows, so that the cache
patches its columns instead of loading them whole (``usecases/ranking_cache.py``).

What depends on the day or on the association's settings (months waited, days to availability, the
rent-burden threshold, the schemes) is applied per request, never cached.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_matching.db.generations import RankingGeneration
from abri_matching.domain.vector import Array, HouseholdColumns, UnitColumns, masks, stack, take_rows

DAYS_PER_MONTH = 30.4375  # as ``domain.ranking.months_between``
NEVER = float(date.max.toordinal())
"""The ordinal of a unit without an availability date (``db/facts.py``, ``unit_facts``: ``date.max``)."""
UNITS_SCOPE = "units"


def households_scope(org_id: str) -> str:
    return f"households:{org_id}"


async def generation(session: AsyncSession, scope: str) -> int:
    """The current generation of ``scope`` (0 before its first write)."""
    value = await session.scalar(sa.select(RankingGeneration.generation).where(RankingGeneration.scope == scope))
    return int(value or 0)


class Changes(NamedTuple):
    rows: list[str] | None
    """The rows changed, each once; None when they cannot all be known (pruned) or are more than asked."""
    pruned_through: int


CHANGED_SINCE = sa.text(
    """
    SELECT coalesce((SELECT pruned_through FROM ranking_pruned WHERE scope = :scope), 0),
           array(SELECT DISTINCT row_id::text FROM ranking_changes
                  WHERE scope = :scope AND generation > :after AND generation <= :upto
                  LIMIT :most)
    """
)
"""One statement, so one snapshot: a pruning that commits in between cannot hide changes from the read."""


async def changed_since(session: AsyncSession, scope: str, after: int, upto: int, most: int) -> Changes:
    """The rows of ``scope`` that the generations in ``(after, upto]`` changed, if all are still noted and
    they are ``most`` at most (else ``rows`` is None: load the rows whole)."""
    pruned_through, rows = (await session.execute(CHANGED_SINCE, {"scope": scope, "after": after, "upto": upto, "most": most + 1})).one()
    if int(pruned_through) > after or len(rows) > most:
        return Changes(None, int(pruned_through))
    return Changes(list(rows), int(pruned_through))


def only(ids: Collection[str] | None) -> tuple[str, dict[str, object]]:
    """The condition and parameter that restrict a loader to ``ids`` (None: every row)."""
    if ids is None:
        return "", {}
    return " AND {column} = ANY(:ids)", {"ids": [uuid.UUID(value) for value in ids]}


def split(joined: Sequence[str]) -> list[list[str]]:
    return [value.split(",") if value else [] for value in joined]


def floats(values: Sequence[object]) -> Array:
    return np.array(values, dtype=float)


def flags(values: Sequence[object]) -> Array:
    return np.array(values, dtype=bool)


@dataclass(frozen=True)
class HouseholdTable:
    """An association's searching households as columns, as of ``generation``: the day-dependent and
    settings-dependent columns are set per request by :meth:`columns`."""

    generation: int
    loaded: HouseholdColumns
    registered: Array
    """The ordinal of each ``registered_since``."""

    @property
    def ids(self) -> Sequence[str]:
        return self.loaded.ids

    def take(self, rows: Sequence[int]) -> HouseholdTable:
        return HouseholdTable(self.generation, take_rows(self.loaded, rows), self.registered[np.asarray(rows, dtype=np.intp)])

    def then(self, other: HouseholdTable) -> HouseholdTable:
        """These rows then ``other``'s, at ``other``'s generation."""
        return HouseholdTable(other.generation, stack(self.loaded, other.loaded), np.concatenate([self.registered, other.registered]))

    def columns(self, threshold: float, schemes: frozenset[str], today: date) -> HouseholdColumns:
        """The columns to score, with the association's settings and ``today``'s waiting times."""
        size = len(self.ids)
        return replace(
            self.loaded,
            threshold=np.full(size, threshold),
            schemes=dict.fromkeys(schemes, np.ones(size, dtype=bool)),
            months=(today.toordinal() - self.registered) / DAYS_PER_MONTH,
        )


SEARCHING_HOUSEHOLDS = """
    SELECT array_agg(id::text), array_agg(adults + children), array_agg(min_bedrooms),
           array_agg(needs_step_free), array_agg(needs_ground_floor),
           array_agg(housing_benefit_cents), array_agg(resources_cents),
           array_agg(wanted_latitude IS NOT NULL AND wanted_longitude IS NOT NULL),
           array_agg(coalesce(wanted_latitude, 0.0)), array_agg(coalesce(wanted_longitude, 0.0)),
           array_agg(coalesce(wanted_radius_km, 'NaN'::float8)),
           array_agg(array_to_string(wanted_communes, ',')), array_agg(registered_since - DATE '0001-01-01' + 1),
           array_agg(priority_level), array_agg(needs_smoke_free), array_agg(needs_quiet_hours),
           array_agg(coalesce((cohabitation_until - DATE '0001-01-01' + 1)::float8, 'NaN'::float8))
      FROM households
     WHERE org_id = :org_id AND status = 'searching' AND 'matching' = ANY(purposes_in_force){only}
    """
"""One row of arrays (far fewer objects to decode than rows); only households whose data may be
processed for matching (``purposes_in_force``: a consent or a legal basis, ``domain/consents.py``); ``registered_since`` as a Python ordinal
(0001-01-01 is 1); communes are five-character INSEE codes (no comma)."""


async def load_households(session: AsyncSession, org_id: str, at: int, ids: Collection[str] | None = None) -> HouseholdTable:
    """The association's searching households (only those of ``ids``, if given), tagged with generation ``at``."""
    condition, params = only(ids)
    statement = sa.text(SEARCHING_HOUSEHOLDS.format(only=condition.format(column="id")))
    columns = [values or [] for values in (await session.execute(statement, {"org_id": org_id, **params})).one()]
    size = len(columns[0])
    return HouseholdTable(
        generation=at,
        loaded=HouseholdColumns(
            ids=columns[0],
            persons=floats(columns[1]),
            min_bedrooms=floats(columns[2]),
            needs_step_free=flags(columns[3]),
            needs_ground_floor=flags(columns[4]),
            needs_smoke_free=flags(columns[14]),
            needs_quiet_hours=flags(columns[15]),
            cohabitation_until=floats(columns[16]),
            benefit=floats(columns[5]),
            resources=floats(columns[6]),
            threshold=np.zeros(size),  # set per request
            has_point=flags(columns[7]),
            lat=floats(columns[8]),
            lon=floats(columns[9]),
            radius=floats(columns[10]),
            communes=masks(split(columns[11]), size),
            schemes={},  # set per request
            months=np.zeros(size),  # set per request
            priority=floats(columns[13]),
        ),
        registered=floats(columns[12]),
    )


@dataclass(frozen=True)
class UnitTable:
    """The published units as columns, as of ``generation``; the days to availability are set per request."""

    generation: int
    loaded: UnitColumns
    available: Array
    """The ordinal of each ``available_from`` (:data:`NEVER` without one)."""

    @property
    def ids(self) -> Sequence[str]:
        return self.loaded.ids

    def take(self, rows: Sequence[int]) -> UnitTable:
        return UnitTable(self.generation, take_rows(self.loaded, rows), self.available[np.asarray(rows, dtype=np.intp)])

    def then(self, other: UnitTable) -> UnitTable:
        """These rows then ``other``'s, at ``other``'s generation."""
        return UnitTable(other.generation, stack(self.loaded, other.loaded), np.concatenate([self.available, other.available]))

    def columns(self, today: date) -> UnitColumns:
        return replace(self.loaded, available_days=self.available - today.toordinal())


PUBLISHED_UNITS = """
    SELECT array_agg(unit_id::text), array_agg(coalesce(insee_code, '')),
           array_agg(coalesce(latitude, 0.0)), array_agg(coalesce(longitude, 0.0)),
           array_agg(coalesce(rooms, 0)), array_agg(coalesce(living_area_m2, 0.0)), array_agg(coalesce(floor, 0)),
           array_agg('step_free_access' = ANY(accessibility)), array_agg('ground_floor' = ANY(accessibility)),
           array_agg(coalesce(rent_cents, 0)), array_agg(coalesce(charges_cents, 0)),
           array_agg(coalesce(available_from - DATE '0001-01-01' + 1, :never)), array_agg(array_to_string(schemes, ',')),
           array_agg(energy_cost_cents), array_agg(coalesce(jsonb_typeof(shared_home) = 'object', false)),
           array_agg(coalesce((shared_home ->> 'occupants_max')::int, 0)),
           array_agg(coalesce((shared_home ->> 'smoke_free')::boolean, false)),
           array_agg(coalesce(jsonb_typeof(shared_home -> 'quiet_hours') = 'object', false)),
           array_agg('intergenerational_cohabitation' = ANY(schemes))
      FROM unit_view
     WHERE status = 'published'{only}
    """
"""As ``db/facts.py`` (``unit_facts``, ``shared_facts``) reads a unit (absent facts as zeros, no date as never, no
energy estimate as NaN); schemes are codes (no comma)."""


async def load_units(session: AsyncSession, at: int, ids: Collection[str] | None = None) -> UnitTable:
    """The published units (only those of ``ids``, if given), tagged with generation ``at``."""
    condition, params = only(ids)
    statement = sa.text(PUBLISHED_UNITS.format(only=condition.format(column="unit_id")))
    columns = [values or [] for values in (await session.execute(statement, {"never": int(NEVER), **params})).one()]
    return UnitTable(
        generation=at,
        loaded=UnitColumns(
            ids=columns[0],
            insee_code=np.array(columns[1], dtype=str),
            latitude=floats(columns[2]),
            longitude=floats(columns[3]),
            rooms=floats(columns[4]),
            area=floats(columns[5]),
            floor=floats(columns[6]),
            step_free=flags(columns[7]),
            ground_floor=flags(columns[8]),
            rent=floats(columns[9]),
            charges=floats(columns[10]),
            available_days=np.zeros(len(columns[0])),  # set per request
            schemes=masks(split(columns[12]), len(columns[0])),
            energy=floats([np.nan if cents is None else cents for cents in columns[13]]),
            shared=flags(columns[14]),
            capacity=floats(columns[15]),
            smoke_free=flags(columns[16]),
            quiet_hours=flags(columns[17]),
            cohabitation=flags(columns[18]),
        ),
        available=floats(columns[11]),
    )


PRUNE = sa.text(
    """
    WITH gone AS (
        DELETE FROM ranking_changes
         WHERE (scope, generation, row_id) IN (
               SELECT scope, generation, row_id FROM ranking_changes
                WHERE changed_at < now() - make_interval(secs => :keep_s)
                ORDER BY changed_at LIMIT :batch FOR UPDATE SKIP LOCKED)
        RETURNING scope, generation
    ), floors AS (
        INSERT INTO ranking_pruned (scope, pruned_through)
        SELECT scope, max(generation) FROM gone GROUP BY scope ORDER BY scope
        ON CONFLICT (scope) DO UPDATE SET pruned_through = greatest(ranking_pruned.pruned_through, excluded.pruned_through)
    )
    SELECT count(*) FROM gone
    """
)


async def prune_changes(session: AsyncSession, keep_s: float, batch: int) -> int:
    """Delete up to ``batch`` changes older than ``keep_s`` seconds (on the database's clock, as they were
    stamped), raising each scope's ``pruned_through`` (``ranking_pruned``) to the newest generation deleted;
    returns how many."""
    return int(await session.scalar(PRUNE, {"keep_s": keep_s, "batch": batch}) or 0)
