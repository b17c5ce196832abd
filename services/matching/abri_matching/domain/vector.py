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


def score_households(unit: UnitFacts, households: list[HouseholdFacts], today: date, policy: MatchingPolicy) -> Scores:
    """One unit against many households."""
    if not households:
        return Scores(np.zeros(0, dtype=bool), np.zeros(0))
    persons = np.array([h.persons for h in households], dtype=float)
    min_bedrooms = np.array([h.min_bedrooms for h in households], dtype=float)
    bedrooms = float(bedrooms_of(float(unit.rooms)))
    eligible = unit.living_area_m2 >= overcrowding_min_area(persons, policy)
    step_free_ok = "step_free_access" in unit.accessibility
    ground_ok = unit.floor == 0 or "ground_floor" in unit.accessibility
    eligible &= np.array(
        [(not h.needs_step_free or step_free_ok) and (not h.needs_ground_floor or ground_ok) for h in households], dtype=bool
    )
    eligible &= bedrooms >= min_bedrooms
    burden = rent_burden(
        float(unit.rent_cents),
        float(unit.charges_cents),
        np.array([h.housing_benefit_cents for h in households], dtype=float),
        np.array([h.resources_cents for h in households], dtype=float),
    )
    eligible &= burden <= np.array([h.rent_burden_threshold for h in households], dtype=float)
    has_point = np.array([h.wanted_latitude is not None and h.wanted_longitude is not None for h in households], dtype=bool)
    lat = np.array([h.wanted_latitude if h.wanted_latitude is not None else 0.0 for h in households], dtype=float)
    lon = np.array([h.wanted_longitude if h.wanted_longitude is not None else 0.0 for h in households], dtype=float)
    radius = np.array([h.wanted_radius_km if h.wanted_radius_km else np.inf for h in households], dtype=float)
    distance = np.where(has_point, distance_km(lat, lon, unit.latitude, unit.longitude), 0.0)
    in_commune = np.array([unit.insee_code in h.wanted_communes for h in households], dtype=bool)
    eligible &= in_commune | (has_point & (distance <= radius))
    eligible &= (unit.available_from - today).days <= policy.availability_horizon_days
    eligible &= np.array([bool(unit.schemes & h.schemes) for h in households], dtype=bool)
    weights = policy.weights
    months = np.array([(today - h.registered_since).days / 30.4375 for h in households], dtype=float)
    score = (
        weights["priority"] * priority_component(np.array([h.priority_level for h in households], dtype=float), policy)
        + weights["waiting_time"] * waiting_component(months, policy)
        + weights["size_fit"] * size_fit_component(bedrooms, min_bedrooms)
        + weights["distance"] * distance_component(distance, np.where(has_point, radius, np.inf))
    )
    return Scores(eligible, np.where(eligible, score, 0.0))
