"""The ranking of ``ranking.py`` over many pairs at once (numpy), with the very same formulas.

``score_units`` scores one household against columns of units; ``score_households`` one unit against
columns of households. Both return, per row, whether every hard rule passes and the score; the
service then explains the best rows with :func:`~abri_matching.domain.ranking.evaluate`, and a test
checks that the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import (
    HouseholdFacts,
    UnitFacts,
    bedrooms_of,
    distance_component,
    distance_km,
    overcrowding_min_area,
    priority_component,
    rent_burden,
    size_fit_component,
    waiting_component,
)

Array = Any  # a numpy array


@dataclass(frozen=True)
class Scores:
    """Per row: every hard rule passes (``eligible``) and the score (0 where not eligible)."""

    eligible: Array
    score: Array

    def best(self, ids: list[str], limit: int) -> list[int]:
        """Row indices of the ``limit`` best eligible rows: score descending, then id (a stable order)."""
        rows = np.flatnonzero(self.eligible)
        ordered = sorted(rows.tolist(), key=lambda row: (-round(float(self.score[row]), 12), ids[row]))
        return ordered[:limit]


def unit_columns(units: list[UnitFacts]) -> dict[str, Array]:
    return {
        "insee_code": [u.insee_code for u in units],
        "latitude": np.array([u.latitude for u in units], dtype=float),
        "longitude": np.array([u.longitude for u in units], dtype=float),
        "rooms": np.array([u.rooms for u in units], dtype=float),
        "area": np.array([u.living_area_m2 for u in units], dtype=float),
        "floor": np.array([u.floor for u in units], dtype=float),
        "step_free": np.array(["step_free_access" in u.accessibility for u in units], dtype=bool),
        "ground_floor": np.array(["ground_floor" in u.accessibility for u in units], dtype=bool),
        "rent": np.array([u.rent_cents for u in units], dtype=float),
        "charges": np.array([u.charges_cents for u in units], dtype=float),
        "schemes": [u.schemes for u in units],
        "available_days": [u.available_from for u in units],
    }


def score_units(household: HouseholdFacts, units: list[UnitFacts], today: date, policy: MatchingPolicy) -> Scores:
    """One household against many units."""
    if not units:
        return Scores(np.zeros(0, dtype=bool), np.zeros(0))
    u = unit_columns(units)
    bedrooms = bedrooms_of(u["rooms"])
    eligible = u["area"] >= overcrowding_min_area(float(household.persons), policy)
    if household.needs_step_free:
        eligible &= u["step_free"]
    if household.needs_ground_floor:
        eligible &= (u["floor"] == 0) | u["ground_floor"]
    eligible &= bedrooms >= household.min_bedrooms
    burden = rent_burden(u["rent"], u["charges"], float(household.housing_benefit_cents), float(household.resources_cents))
    eligible &= burden <= household.rent_burden_threshold
    in_commune = np.array([code in household.wanted_communes for code in u["insee_code"]], dtype=bool)
    if household.wanted_latitude is not None and household.wanted_longitude is not None:
        distance = distance_km(household.wanted_latitude, household.wanted_longitude, u["latitude"], u["longitude"])
        near = distance <= (household.wanted_radius_km if household.wanted_radius_km is not None else -1.0)
    else:
        distance = np.zeros(len(units))
        near = np.zeros(len(units), dtype=bool)
    eligible &= in_commune | near
    eligible &= np.array([(day - today).days <= policy.availability_horizon_days for day in u["available_days"]], dtype=bool)
    eligible &= np.array([bool(schemes & household.schemes) for schemes in u["schemes"]], dtype=bool)
    weights = policy.weights
    months = (today - household.registered_since).days / 30.4375
    radius = household.wanted_radius_km if household.wanted_latitude is not None and household.wanted_radius_km else np.inf
    score = (
        weights["priority"] * priority_component(float(household.priority_level), policy)
        + weights["waiting_time"] * waiting_component(months, policy)
        + weights["size_fit"] * size_fit_component(bedrooms, float(household.min_bedrooms))
        + weights["distance"] * distance_component(distance, radius)
    )
    return Scores(eligible, np.where(eligible, score, 0.0))


@dataclass(frozen=True)
class HouseholdColumns:
    """Households as columns, computed once (a batch allocation scores every unit against them)."""

    ids: list[str]
    persons: Array
    min_bedrooms: Array
    needs_step_free: Array
    needs_ground_floor: Array
    benefit: Array
    resources: Array
    threshold: Array
    has_point: Array
    lat: Array
    lon: Array
    radius: Array
    communes: list[tuple[str, ...]]
    schemes: list[frozenset[str]]
    months: Array
    priority: Array

    @classmethod
    def of(cls, households: list[HouseholdFacts], today: date, ids: list[str] | None = None) -> HouseholdColumns:
        def floats(values: list[float]) -> Array:
            return np.array(values, dtype=float)

        return cls(
            ids=ids or [str(i) for i in range(len(households))],
            persons=floats([h.persons for h in households]),
            min_bedrooms=floats([h.min_bedrooms for h in households]),
            needs_step_free=np.array([h.needs_step_free for h in households], dtype=bool),
            needs_ground_floor=np.array([h.needs_ground_floor for h in households], dtype=bool),
            benefit=floats([h.housing_benefit_cents for h in households]),
            resources=floats([h.resources_cents for h in households]),
            threshold=floats([h.rent_burden_threshold for h in households]),
            has_point=np.array([h.wanted_latitude is not None and h.wanted_longitude is not None for h in households], dtype=bool),
            lat=floats([h.wanted_latitude if h.wanted_latitude is not None else 0.0 for h in households]),
            lon=floats([h.wanted_longitude if h.wanted_longitude is not None else 0.0 for h in households]),
            radius=floats([h.wanted_radius_km if h.wanted_radius_km else np.inf for h in households]),
            communes=[h.wanted_communes for h in households],
            schemes=[h.schemes for h in households],
            months=floats([(today - h.registered_since).days / 30.4375 for h in households]),
            priority=floats([h.priority_level for h in households]),
        )


def score_households(unit: UnitFacts, households: list[HouseholdFacts] | HouseholdColumns, today: date, policy: MatchingPolicy) -> Scores:
    """One unit against many households (a list, or columns computed once)."""
    h = households if isinstance(households, HouseholdColumns) else HouseholdColumns.of(households, today)
    if not len(h.persons):
        return Scores(np.zeros(0, dtype=bool), np.zeros(0))
    bedrooms = float(bedrooms_of(float(unit.rooms)))
    eligible = unit.living_area_m2 >= overcrowding_min_area(h.persons, policy)
    if "step_free_access" not in unit.accessibility:
        eligible &= ~h.needs_step_free
    if not (unit.floor == 0 or "ground_floor" in unit.accessibility):
        eligible &= ~h.needs_ground_floor
    eligible &= bedrooms >= h.min_bedrooms
    eligible &= rent_burden(float(unit.rent_cents), float(unit.charges_cents), h.benefit, h.resources) <= h.threshold
    distance = np.where(h.has_point, distance_km(h.lat, h.lon, unit.latitude, unit.longitude), 0.0)
    in_commune = np.array([unit.insee_code in communes for communes in h.communes], dtype=bool)
    eligible &= in_commune | (h.has_point & (distance <= h.radius))
    eligible &= (unit.available_from - today).days <= policy.availability_horizon_days
    eligible &= np.array([bool(unit.schemes & schemes) for schemes in h.schemes], dtype=bool)
    weights = policy.weights
    score = (
        weights["priority"] * priority_component(h.priority, policy)
        + weights["waiting_time"] * waiting_component(h.months, policy)
        + weights["size_fit"] * size_fit_component(bedrooms, h.min_bedrooms)
        + weights["distance"] * distance_component(distance, np.where(h.has_point, h.radius, np.inf))
    )
    return Scores(eligible, np.where(eligible, score, 0.0))
