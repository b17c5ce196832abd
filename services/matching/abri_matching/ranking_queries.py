"""Loading what the ranking needs: the facts of a household or a unit, the association's settings
(the columns of many are in ``ranking_cache.py``). The rules themselves are all applied in ``domain/``."""

from __future__ import annotations

import typing
import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_contracts.listings import LettingScheme
from abri_matching.db.associations import AssociationSettings
from abri_matching.db.households import Household
from abri_matching.db.units import UnitView
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import HouseholdFacts, UnitFacts

ALL_SCHEMES = frozenset(typing.get_args(LettingScheme))
KM_PER_LATITUDE_DEGREE_AT_MOST = 111.0
"""A degree of latitude is 111.19 km (``domain.ranking.EARTH_RADIUS_KM``): boxes drawn with 111 are a little larger."""


async def association_settings(session: AsyncSession, org_id: str, policy: MatchingPolicy) -> tuple[float, frozenset[str]]:
    """The association's rent-burden threshold and schemes (the policy's defaults without settings)."""
    row = await session.get(AssociationSettings, org_id)
    if row is None:
        return policy.rent_burden_threshold, ALL_SCHEMES
    return row.rent_burden_threshold, frozenset(row.schemes)


def household_facts(household: Household, threshold: float, schemes: frozenset[str]) -> HouseholdFacts:
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
    )


def unit_facts(unit: UnitView) -> UnitFacts:
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
    )


async def households_by_id(session: AsyncSession, ids: list[str]) -> dict[str, Household]:
    statement = sa.select(Household).where(Household.id.in_([uuid.UUID(i) for i in ids]))
    return {str(household.id): household for household in (await session.execute(statement)).scalars()}


async def units_by_id(session: AsyncSession, ids: list[str]) -> dict[str, UnitView]:
    statement = sa.select(UnitView).where(UnitView.unit_id.in_([uuid.UUID(i) for i in ids]))
    return {str(unit.unit_id): unit for unit in (await session.execute(statement)).scalars()}
