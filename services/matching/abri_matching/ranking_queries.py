"""Loading what the ranking needs: the candidates (pre-filtered in SQL on cheap, indexable rules) and
the facts of a household or a unit. The rules themselves are all applied in ``domain/``."""

from __future__ import annotations

import math
import typing
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_contracts.listings import LettingScheme
from abri_matching.db.associations import AssociationSettings
from abri_matching.db.households import Household
from abri_matching.db.units import UnitView
from abri_matching.domain.households import HouseholdStatus
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import HouseholdFacts, UnitFacts

ALL_SCHEMES = frozenset(typing.get_args(LettingScheme))
KM_PER_DEGREE = 111.2


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


async def open_units_for(session: AsyncSession, household: Household, policy: MatchingPolicy, today: date) -> list[UnitView]:
    """Published units in the household's wanted places (commune, or the box around its point), available
    within the horizon: a superset of the matches, which the rules then narrow."""
    places: list[sa.ColumnElement[bool]] = [UnitView.insee_code.in_(household.wanted_communes)] if household.wanted_communes else []
    if household.wanted_latitude is not None and household.wanted_longitude is not None and household.wanted_radius_km:
        dlat = household.wanted_radius_km / KM_PER_DEGREE
        dlon = household.wanted_radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(household.wanted_latitude)), 0.01))
        places.append(
            sa.and_(
                UnitView.latitude.between(household.wanted_latitude - dlat, household.wanted_latitude + dlat),
                UnitView.longitude.between(household.wanted_longitude - dlon, household.wanted_longitude + dlon),
            )
        )
    if not places:
        return []
    statement = sa.select(UnitView).where(
        UnitView.status == "published",
        UnitView.available_from <= today + timedelta(days=policy.availability_horizon_days),
        sa.or_(*places),
    )
    return list((await session.execute(statement)).scalars())


async def searching_households(session: AsyncSession, org_id: str) -> list[Household]:
    """The association's households that are searching."""
    statement = sa.select(Household).where(Household.org_id == org_id, Household.status == HouseholdStatus.SEARCHING.value)
    return list((await session.execute(statement)).scalars())
