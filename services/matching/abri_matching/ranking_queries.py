"""Loading what the ranking needs: the candidates (pre-filtered in SQL on cheap, indexable rules) and
the facts of a household or a unit. The rules themselves are all applied in ``domain/``."""

from __future__ import annotations

import math
import typing
import uuid
from datetime import date, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_contracts.listings import LettingScheme
from abri_matching.db.associations import AssociationSettings
from abri_matching.db.households import Household
from abri_matching.db.units import UnitView
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import HouseholdFacts, UnitFacts
from abri_matching.domain.vector import Array, HouseholdColumns, UnitColumns

ALL_SCHEMES = frozenset(typing.get_args(LettingScheme))
KM_PER_LATITUDE_DEGREE_AT_MOST = 111.0
"""A degree of latitude is 111.19 km (``domain.ranking.EARTH_RADIUS_KM``): boxes drawn with 111 are a little larger."""
DAYS_PER_MONTH = 30.4375  # as ``domain.ranking.months_between``
AVAILABLE_NEVER = 1_000_000_000
"""Days to the availability of a unit without a date (``unit_facts``: ``date.max``): never within the horizon."""


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


def open_units_where(household: Household, policy: MatchingPolicy, today: date) -> sa.ColumnElement[bool] | None:
    """Published units in the household's wanted places (commune, or the box around its point), available
    within the horizon: a superset of the matches, which the rules then narrow. ``None``: no place wanted."""
    places: list[sa.ColumnElement[bool]] = [UnitView.insee_code.in_(household.wanted_communes)] if household.wanted_communes else []
    if household.wanted_latitude is not None and household.wanted_longitude is not None and household.wanted_radius_km:
        dlat = household.wanted_radius_km / KM_PER_LATITUDE_DEGREE_AT_MOST
        dlon = household.wanted_radius_km / (
            KM_PER_LATITUDE_DEGREE_AT_MOST * max(math.cos(math.radians(min(abs(household.wanted_latitude) + dlat, 90.0))), 0.01)
        )
        places.append(
            sa.and_(
                UnitView.latitude.between(household.wanted_latitude - dlat, household.wanted_latitude + dlat),
                UnitView.longitude.between(household.wanted_longitude - dlon, household.wanted_longitude + dlon),
            )
        )
    if not places:
        return None
    return sa.and_(
        UnitView.status == "published",
        UnitView.available_from <= today + timedelta(days=policy.availability_horizon_days),
        sa.or_(*places),
    )


CANDIDATE_HOUSEHOLDS = sa.text(
    """
    SELECT array_agg(id::text) AS ids,
           array_agg(adults + children) AS persons,
           array_agg(min_bedrooms) AS min_bedrooms,
           array_agg(needs_step_free) AS needs_step_free,
           array_agg(needs_ground_floor) AS needs_ground_floor,
           array_agg(housing_benefit_cents) AS benefit,
           array_agg(resources_cents) AS resources,
           array_agg(wanted_latitude IS NOT NULL AND wanted_longitude IS NOT NULL) AS has_point,
           array_agg(coalesce(wanted_latitude, 0.0)) AS lat,
           array_agg(coalesce(wanted_longitude, 0.0)) AS lon,
           array_agg(coalesce(wanted_radius_km, 'NaN'::float8)) AS radius,
           array_agg(CAST(:insee AS text) = ANY(wanted_communes)) AS in_commune,
           array_agg(CAST(:today AS date) - registered_since) AS waited_days,
           array_agg(priority_level) AS priority
      FROM households
     WHERE org_id = :org_id AND status = 'searching'
       AND (CAST(:insee AS text) = ANY(wanted_communes)
            OR abs(wanted_latitude - CAST(:latitude AS float8)) * :km_per_degree <= wanted_radius_km)
    """
)
"""The association's searching households that may want a place: the unit's commune, or a point whose
latitude alone is within the household's radius of the unit (a great-circle distance is at least the
difference of latitudes, 111.19 km a degree: counted here as 111, a margin). A superset of the
households whose ``wanted_place`` rule passes, which the rules then narrow."""


async def candidate_household_columns(
    session: AsyncSession, org_id: str, unit: UnitFacts, threshold: float, schemes: frozenset[str], today: date
) -> HouseholdColumns:
    """The columns of the association's searching households that may want ``unit``'s place."""
    row = (
        await session.execute(
            CANDIDATE_HOUSEHOLDS,
            {
                "org_id": org_id,
                "insee": unit.insee_code,
                "latitude": unit.latitude,
                "km_per_degree": KM_PER_LATITUDE_DEGREE_AT_MOST,
                "today": today,
            },
        )
    ).one()
    ids: list[str] = row.ids or []
    size = len(ids)

    def floats(values: list[Any] | None) -> Array:
        return np.array(values or [], dtype=float)

    def flags(values: list[bool] | None) -> Array:
        return np.array(values or [], dtype=bool)

    everyone = np.ones(size, dtype=bool)
    return HouseholdColumns(
        ids=ids,
        persons=floats(row.persons),
        min_bedrooms=floats(row.min_bedrooms),
        needs_step_free=flags(row.needs_step_free),
        needs_ground_floor=flags(row.needs_ground_floor),
        benefit=floats(row.benefit),
        resources=floats(row.resources),
        threshold=np.full(size, threshold),
        has_point=flags(row.has_point),
        lat=floats(row.lat),
        lon=floats(row.lon),
        radius=floats(row.radius),
        communes={unit.insee_code: flags(row.in_commune)},
        schemes=dict.fromkeys(schemes, everyone),
        months=floats(row.waited_days) / DAYS_PER_MONTH,
        priority=floats(row.priority),
    )


async def households_by_id(session: AsyncSession, ids: list[str]) -> dict[str, Household]:
    statement = sa.select(Household).where(Household.id.in_([uuid.UUID(i) for i in ids]))
    return {str(household.id): household for household in (await session.execute(statement)).scalars()}


async def open_unit_columns(
    session: AsyncSession, household: Household, schemes: frozenset[str], policy: MatchingPolicy, today: date
) -> UnitColumns:
    """The columns of the published units in the household's wanted places ;
    ``schemes``: those whose units are flagged (the household's association's)."""
    wanted = sorted(schemes)
    days_to_availability = sa.type_coerce(UnitView.available_from - today, sa.Integer)
    columns: list[sa.ColumnElement[Any]] = [
        sa.func.array_agg(sa.cast(UnitView.unit_id, sa.Text)).label("ids"),
        sa.func.array_agg(sa.func.coalesce(UnitView.insee_code, "")).label("insee_code"),
        sa.func.array_agg(sa.func.coalesce(UnitView.latitude, 0.0)).label("latitude"),
        sa.func.array_agg(sa.func.coalesce(UnitView.longitude, 0.0)).label("longitude"),
        sa.func.array_agg(sa.func.coalesce(UnitView.rooms, 0)).label("rooms"),
        sa.func.array_agg(sa.func.coalesce(UnitView.living_area_m2, 0.0)).label("area"),
        sa.func.array_agg(sa.func.coalesce(UnitView.floor, 0)).label("floor"),
        sa.func.array_agg(sa.literal("step_free_access") == sa.any_(UnitView.accessibility)).label("step_free"),
        sa.func.array_agg(sa.literal("ground_floor") == sa.any_(UnitView.accessibility)).label("ground_floor"),
        sa.func.array_agg(sa.func.coalesce(UnitView.rent_cents, 0)).label("rent"),
        sa.func.array_agg(sa.func.coalesce(UnitView.charges_cents, 0)).label("charges"),
        sa.func.array_agg(sa.func.coalesce(days_to_availability, AVAILABLE_NEVER)).label("available_days"),
        *(sa.func.array_agg(sa.literal(scheme) == sa.any_(UnitView.schemes)).label(f"scheme_{n}") for n, scheme in enumerate(wanted)),
    ]
    where = open_units_where(household, policy, today)
    if where is None:
        return UnitColumns.of([], today)
    row = (await session.execute(sa.select(*columns).where(where))).one()
    ids: list[str] = row.ids or []

    def floats(values: list[Any] | None) -> Array:
        return np.array(values or [], dtype=float)

    def flags(values: list[bool] | None) -> Array:
        return np.array(values or [], dtype=bool)

    return UnitColumns(
        ids=ids,
        insee_code=np.array(row.insee_code or [], dtype=str),
        latitude=floats(row.latitude),
        longitude=floats(row.longitude),
        rooms=floats(row.rooms),
        area=floats(row.area),
        floor=floats(row.floor),
        step_free=flags(row.step_free),
        ground_floor=flags(row.ground_floor),
        rent=floats(row.rent),
        charges=floats(row.charges),
        available_days=floats(row.available_days),
        schemes={scheme: flags(getattr(row, f"scheme_{n}")) for n, scheme in enumerate(wanted)},
    )


async def units_by_id(session: AsyncSession, ids: list[str]) -> dict[str, UnitView]:
    statement = sa.select(UnitView).where(UnitView.unit_id.in_([uuid.UUID(i) for i in ids]))
    return {str(unit.unit_id): unit for unit in (await session.execute(statement)).scalars()}
