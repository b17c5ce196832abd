"""What the rules see of a stored household or unit: the facts of ``domain/ranking.py``, read from a row
(the columns of many are in ``ranking_cache.py``). The rules themselves are all applied in ``domain/``."""

from __future__ import annotations

from datetime import date
from typing import Any

from abri_matching.db.households import Household
from abri_matching.db.units import UnitView
from abri_matching.domain.ranking import HouseholdFacts, UnitFacts


def household_facts(household: Household, threshold: float, schemes: frozenset[str]) -> HouseholdFacts:
    """A household, with its association's rent-burden ``threshold`` and ``schemes``."""
    return HouseholdFacts(
        persons=household.adults + household.children,
        resources_cents=household.resources_cents,
        housing_benefit_cents=household.housing_benefit_cents,
        needs_step_free=household.needs_step_free,
        needs_ground_floor=household.needs_ground_floor,
        min_bedrooms=household.min_bedrooms,
        wanted_communes=tuple(household.wanted_communes),
        wanted_latitude=household.wanted_latitude,
        wanted_longitude=household.wanted_longitude,
        wanted_radius_km=household.wanted_radius_km,
        priority_level=household.priority_level,
        registered_since=household.registered_since,
        rent_burden_threshold=threshold,
        schemes=schemes,
        needs_smoke_free=household.needs_smoke_free,
        needs_quiet_hours=household.needs_quiet_hours,
        cohabitation_until=household.cohabitation_until,
    )


def unit_facts(unit: UnitView) -> UnitFacts:
    """A unit of the read model (absent facts as zeros, no availability date as never)."""
    return UnitFacts(
        insee_code=unit.insee_code or "",
        latitude=unit.latitude or 0.0,
        longitude=unit.longitude or 0.0,
        rooms=unit.rooms or 0,
        living_area_m2=unit.living_area_m2 or 0.0,
        floor=unit.floor or 0,
        elevator=bool(unit.elevator),
        accessibility=frozenset(unit.accessibility),
        rent_cents=unit.rent_cents or 0,
        charges_cents=unit.charges_cents or 0,
        schemes=frozenset(unit.schemes),
        available_from=unit.available_from or date.max,
        energy_cost_cents=unit.energy_cost_cents,
        **shared_facts(unit.shared_home),
        cohabitation="intergenerational_cohabitation" in unit.schemes,
    )


def shared_facts(home: dict[str, Any] | None) -> dict[str, Any]:
    """What the ``room_capacity`` and ``house_rules`` rules read of a room's shared home (as ``ranking_columns.py`` reads it in SQL)."""
    if home is None:
        return {"shared": False, "occupants_max": 0, "smoke_free": False, "quiet_hours": False}
    return {
        "shared": True,
        "occupants_max": int(home.get("occupants_max") or 0),
        "smoke_free": bool(home.get("smoke_free")),
        "quiet_hours": home.get("quiet_hours") is not None,
    }
