"""The ranking of ``ranking.py`` over many pairs at once (numpy), with the very same formulas.

``score_units`` scores one household against columns of units; ``score_households`` one unit against
columns of households. Both return, per row, whether every hard rule passes and the score; the
service then explains the best rows with :func:`~abri_matching.domain.ranking.evaluate`, and a test
checks that the two always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, TypeVar

import numpy as np

from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import (
    HouseholdFacts,
    UnitFacts,
    bedrooms_of,
    cohabitation_allows,
    distance_component,
    distance_km,
    energy_component,
    months_between,
    overcrowding_min_area,
    priority_component,
    shared_home_allows,
    size_fit_component,
    waiting_component,
    within_rent_burden,
)

Array = Any  # a numpy array


@dataclass(frozen=True)
class Scores:
    """Per row: every hard rule passes (``eligible``) and the score (0 where not eligible)."""

    eligible: Array
    score: Array

    def best(self, ids: Sequence[str], limit: int) -> list[int]:
        """Row indices of the ``limit`` best eligible rows: score descending, then id (a stable order)."""
        rows = np.flatnonzero(self.eligible)
        if len(rows) > limit:  # only rows that can be among the best go through the exact (Python) order below
            cutoff = np.partition(self.score[rows], len(rows) - limit)[len(rows) - limit]
            rows = rows[self.score[rows] >= cutoff - 1e-9]
        ordered = sorted(rows.tolist(), key=lambda row: (-round(float(self.score[row]), 12), ids[row]))
        return ordered[:limit]


def masks(values: Iterable[Iterable[str]], size: int) -> dict[str, Array]:
    """For each code (a commune, a scheme), which rows name it."""
    rows: dict[str, list[int]] = {}
    for row, codes in enumerate(values):
        for code in codes:
            rows.setdefault(code, []).append(row)
    found: dict[str, Array] = {}
    for code, named in rows.items():
        found[code] = np.zeros(size, dtype=bool)
        found[code][named] = True
    return found


Columns = TypeVar("Columns", "UnitColumns", "HouseholdColumns")


def take_rows(columns: Columns, rows: Sequence[int]) -> Columns:
    """Only ``rows`` of ``columns``, in that order (a code no row names any more is dropped)."""
    picked = np.asarray(rows, dtype=np.intp)
    changes: dict[str, Any] = {}
    for field in fields(columns):
        value = getattr(columns, field.name)
        if field.name == "ids":
            changes["ids"] = [value[row] for row in picked.tolist()]
        elif isinstance(value, Mapping):
            changes[field.name] = {code: mask[picked] for code, mask in value.items() if mask[picked].any()}
        else:
            changes[field.name] = value[picked]
    return replace(columns, **changes)


def stack(first: Columns, second: Columns) -> Columns:
    """The rows of ``first`` then those of ``second``."""
    sizes = (len(first.ids), len(second.ids))
    changes: dict[str, Any] = {}
    for field in fields(first):
        one: Any = getattr(first, field.name)
        two: Any = getattr(second, field.name)
        if field.name == "ids":
            changes["ids"] = [*one, *two]
        elif isinstance(one, Mapping):
            changes[field.name] = {
                code: np.concatenate([one.get(code, np.zeros(sizes[0], dtype=bool)), two.get(code, np.zeros(sizes[1], dtype=bool))])
                for code in {*one, *two}
            }
        else:
            changes[field.name] = np.concatenate([one, two])
    return replace(first, **changes)


def any_of(masks: Mapping[str, Array], codes: Iterable[str], size: int) -> Array:
    """Rows that name at least one of ``codes``."""
    result = np.zeros(size, dtype=bool)
    for code in codes:
        if code in masks:
            result |= masks[code]
    return result


@dataclass(frozen=True)
class UnitColumns:
    """Units as columns (from facts with :meth:`of`, or loaded as columns straight from the database)."""

    ids: Sequence[str]
    insee_code: Array  # str
    latitude: Array
    longitude: Array
    rooms: Array
    area: Array
    floor: Array
    step_free: Array
    ground_floor: Array
    rent: Array
    charges: Array
    available_days: Array
    """Days from ``today`` to the unit's availability."""
    schemes: Mapping[str, Array]
    """For each scheme (at least those of the household scored), which units offer it."""
    energy: Array
    """The estimated energy bill a month, cents; NaN where listings gave none."""
    shared: Array
    """Rooms of shared homes."""
    capacity: Array
    """How many people each room takes (0 for a whole home: not read)."""
    smoke_free: Array
    quiet_hours: Array
    cohabitation: Array
    """Rooms offered for intergenerational cohabitation."""

    @classmethod
    def of(cls, units: list[UnitFacts], today: date, ids: Sequence[str] | None = None) -> UnitColumns:
        def floats(values: list[float]) -> Array:
            return np.array(values, dtype=float)

        return cls(
            ids=ids if ids is not None else [str(i) for i in range(len(units))],
            insee_code=np.array([u.insee_code for u in units], dtype=str),
            latitude=floats([u.latitude for u in units]),
            longitude=floats([u.longitude for u in units]),
            rooms=floats([u.rooms for u in units]),
            area=floats([u.living_area_m2 for u in units]),
            floor=floats([u.floor for u in units]),
            step_free=np.array(["step_free_access" in u.accessibility for u in units], dtype=bool),
            ground_floor=np.array(["ground_floor" in u.accessibility for u in units], dtype=bool),
            rent=floats([u.rent_cents for u in units]),
            charges=floats([u.charges_cents for u in units]),
            available_days=floats([(u.available_from - today).days for u in units]),
            schemes=masks((u.schemes for u in units), len(units)),
            energy=floats([u.energy_cost_cents if u.energy_cost_cents is not None else np.nan for u in units]),
            shared=np.array([u.shared for u in units], dtype=bool),
            capacity=floats([u.occupants_max for u in units]),
            smoke_free=np.array([u.smoke_free for u in units], dtype=bool),
            quiet_hours=np.array([u.quiet_hours for u in units], dtype=bool),
            cohabitation=np.array([u.cohabitation for u in units], dtype=bool),
        )


def score_units(household: HouseholdFacts, units: list[UnitFacts] | UnitColumns, today: date, policy: MatchingPolicy) -> Scores:
    """One household against many units (a list, or columns)."""
    u = units if isinstance(units, UnitColumns) else UnitColumns.of(units, today)
    size = len(u.area)
    if not size:
        return Scores(np.zeros(0, dtype=bool), np.zeros(0))
    bedrooms = bedrooms_of(u.rooms, u.shared | u.cohabitation)
    eligible = u.area >= overcrowding_min_area(float(household.persons), policy)
    eligible &= ~u.shared | shared_home_allows(
        float(household.persons), u.capacity, u.smoke_free, u.quiet_hours, household.needs_smoke_free, household.needs_quiet_hours
    )
    until = household.cohabitation_until.toordinal() if household.cohabitation_until is not None else np.nan
    start = today.toordinal() + np.maximum(u.available_days, 0)
    eligible &= ~u.cohabitation | cohabitation_allows(household.persons, until, start)
    if household.needs_step_free:
        eligible &= u.step_free
    if household.needs_ground_floor:
        eligible &= (u.floor == 0) | u.ground_floor
    eligible &= bedrooms >= household.min_bedrooms
    eligible &= within_rent_burden(
        u.rent, u.charges, household.housing_benefit_cents, household.resources_cents, household.rent_burden_threshold
    )
    in_commune = np.isin(u.insee_code, list(household.wanted_communes)) if household.wanted_communes else np.zeros(size, dtype=bool)
    if household.wanted_latitude is not None and household.wanted_longitude is not None:
        distance = distance_km(household.wanted_latitude, household.wanted_longitude, u.latitude, u.longitude)
        near = distance <= (household.wanted_radius_km if household.wanted_radius_km is not None else -1.0)
    else:
        distance = np.zeros(size)
        near = np.zeros(size, dtype=bool)
    eligible &= in_commune | near
    eligible &= u.available_days <= policy.availability_horizon_days
    eligible &= any_of(u.schemes, household.schemes, size)
    weights = policy.weights
    months = months_between(household.registered_since, today)
    radius = household.wanted_radius_km if household.wanted_latitude is not None and household.wanted_radius_km else np.inf
    score = (
        weights["priority"] * priority_component(float(household.priority_level), policy)
        + weights["waiting_time"] * waiting_component(months, policy)
        + weights["size_fit"] * size_fit_component(bedrooms, float(household.min_bedrooms), policy)
        + weights["distance"] * distance_component(distance, radius)
        + weights.get("energy_cost", 0.0) * energy_component(u.energy, policy)
    )
    return Scores(eligible, np.where(eligible, score, 0.0))


@dataclass(frozen=True)
class HouseholdColumns:
    """Households as columns, computed once (a batch allocation scores every unit against them), from facts
    with :meth:`of` or loaded as columns straight from the database."""

    ids: Sequence[str]
    persons: Array
    min_bedrooms: Array
    needs_step_free: Array
    needs_ground_floor: Array
    needs_smoke_free: Array
    needs_quiet_hours: Array
    cohabitation_until: Array
    """The ordinal of each household's last day under the cohabitation's age; NaN where none was recorded."""
    benefit: Array
    resources: Array
    threshold: Array
    has_point: Array
    lat: Array
    lon: Array
    radius: Array
    """The wanted radius; NaN where none (no distance is then near enough)."""
    communes: Mapping[str, Array]
    """For each commune (at least those of the units scored), which households want it."""
    schemes: Mapping[str, Array]
    """For each scheme (at least those of the units scored), which households' associations work with it."""
    months: Array
    priority: Array

    @classmethod
    def of(cls, households: list[HouseholdFacts], today: date, ids: Sequence[str] | None = None) -> HouseholdColumns:
        def floats(values: list[float]) -> Array:
            return np.array(values, dtype=float)

        return cls(
            ids=ids if ids is not None else [str(i) for i in range(len(households))],
            persons=floats([h.persons for h in households]),
            min_bedrooms=floats([h.min_bedrooms for h in households]),
            needs_step_free=np.array([h.needs_step_free for h in households], dtype=bool),
            needs_ground_floor=np.array([h.needs_ground_floor for h in households], dtype=bool),
            needs_smoke_free=np.array([h.needs_smoke_free for h in households], dtype=bool),
            needs_quiet_hours=np.array([h.needs_quiet_hours for h in households], dtype=bool),
            cohabitation_until=floats([h.cohabitation_until.toordinal() if h.cohabitation_until else np.nan for h in households]),
            benefit=floats([h.housing_benefit_cents for h in households]),
            resources=floats([h.resources_cents for h in households]),
            threshold=floats([h.rent_burden_threshold for h in households]),
            has_point=np.array([h.wanted_latitude is not None and h.wanted_longitude is not None for h in households], dtype=bool),
            lat=floats([h.wanted_latitude if h.wanted_latitude is not None else 0.0 for h in households]),
            lon=floats([h.wanted_longitude if h.wanted_longitude is not None else 0.0 for h in households]),
            radius=floats([h.wanted_radius_km if h.wanted_radius_km is not None else np.nan for h in households]),
            communes=masks((h.wanted_communes for h in households), len(households)),
            schemes=masks((h.schemes for h in households), len(households)),
            months=floats([months_between(h.registered_since, today) for h in households]),
            priority=floats([h.priority_level for h in households]),
        )


def score_households(unit: UnitFacts, households: list[HouseholdFacts] | HouseholdColumns, today: date, policy: MatchingPolicy) -> Scores:
    """One unit against many households (a list, or columns computed once)."""
    h = households if isinstance(households, HouseholdColumns) else HouseholdColumns.of(households, today)
    size = len(h.persons)
    if not size:
        return Scores(np.zeros(0, dtype=bool), np.zeros(0))
    bedrooms = float(bedrooms_of(float(unit.rooms), unit.shared or unit.cohabitation))
    eligible = unit.living_area_m2 >= overcrowding_min_area(h.persons, policy)
    if unit.shared:
        eligible &= shared_home_allows(
            h.persons, float(unit.occupants_max), unit.smoke_free, unit.quiet_hours, h.needs_smoke_free, h.needs_quiet_hours
        )
    if unit.cohabitation:
        eligible &= cohabitation_allows(h.persons, h.cohabitation_until, max(today, unit.available_from).toordinal())
    if "step_free_access" not in unit.accessibility:
        eligible &= ~h.needs_step_free
    if not (unit.floor == 0 or "ground_floor" in unit.accessibility):
        eligible &= ~h.needs_ground_floor
    eligible &= bedrooms >= h.min_bedrooms
    eligible &= within_rent_burden(unit.rent_cents, unit.charges_cents, h.benefit, h.resources, h.threshold)
    distance = np.where(h.has_point, distance_km(h.lat, h.lon, unit.latitude, unit.longitude), 0.0)
    in_commune = h.communes.get(unit.insee_code, np.zeros(size, dtype=bool))
    with np.errstate(invalid="ignore"):
        near = h.has_point & (distance <= h.radius)  # False where no radius (NaN)
        radius = np.where(h.has_point & (h.radius > 0), h.radius, np.inf)  # as ``evaluate``: ``wanted_radius_km or inf``
    eligible &= in_commune | near
    eligible &= (unit.available_from - today).days <= policy.availability_horizon_days
    eligible &= any_of(h.schemes, unit.schemes, size)
    weights = policy.weights
    score = (
        weights["priority"] * priority_component(h.priority, policy)
        + weights["waiting_time"] * waiting_component(h.months, policy)
        + weights["size_fit"] * size_fit_component(bedrooms, h.min_bedrooms, policy)
        + weights["distance"] * distance_component(distance, radius)
        + weights.get("energy_cost", 0.0) * energy_component(np.nan if unit.energy_cost_cents is None else unit.energy_cost_cents, policy)
    )
    return Scores(eligible, np.where(eligible, score, 0.0))
