"""The SQL prefilters of the ranking never drop an eligible pair, and the ranked best equal a brute-force
ranking of every pair with the explained evaluation (real database, random data around Pau)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from abri_matching.db.households import Household
from abri_matching.db.units import UnitView
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import evaluate
from abri_matching.domain.vector import score_households, score_units
from abri_matching.ranking_queries import ALL_SCHEMES, candidate_household_columns, household_facts, open_unit_columns, unit_facts
from tests.matching.test_matches_api import insert_units, unit_row
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

ORG, PAU = "assoc-prefilter", (43.2951, -0.3708)
POLICY, TODAY = MatchingPolicy(), date.today()


def jitter(rng: random.Random, km: float) -> tuple[float, float]:
    return PAU[0] + rng.uniform(-km, km) / 111.2, PAU[1] + rng.uniform(-km, km) / 81.0


@pytest.fixture(scope="module")
async def sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Random households of one association and published units around Pau (replacing earlier runs')."""
    rng = random.Random(64)
    engine = create_async_engine(database_url("matching"))
    async with engine.begin() as conn:
        await conn.execute(sa.text("DELETE FROM unit_view WHERE departement = '64'"))
        await conn.execute(sa.text("UPDATE households SET status = 'archived' WHERE org_id = :org"), {"org": ORG})
        for _ in range(120):
            lat, lon = jitter(rng, 60)
            row = unit_row(
                insee_code=rng.choice(["64445", "64024", "64422"]), commune="Pau", departement="64", latitude=lat, longitude=lon,
                rooms=rng.randint(1, 5), living_area_m2=rng.uniform(14, 110), floor=rng.randint(0, 4),
                accessibility=rng.sample(["step_free_access", "ground_floor"], rng.randint(0, 2)),
                rent_cents=rng.randint(30_000, 90_000), schemes=rng.sample(sorted(ALL_SCHEMES), rng.randint(1, 3)),
                available_from=TODAY + timedelta(days=rng.randint(-10, 250)),
            )  # fmt: skip
            await insert_units(conn, row)
        for n in range(300):
            lat, lon = jitter(rng, 80)
            point = rng.random() < 0.7
            values = {
                "id": uuid.uuid4(), "org_id": ORG, "reference": f"PF-{uuid.uuid4().hex[:10]}-{n}", "status": "searching", "version": 1,
                "adults": rng.randint(1, 2), "children": rng.randint(0, 4), "resources_cents": rng.randint(50_000, 300_000),
                "housing_benefit_cents": rng.randint(0, 40_000),
                "needs_step_free": rng.random() < 0.2, "needs_ground_floor": rng.random() < 0.1,
                "min_bedrooms": rng.randint(0, 3), "wanted_communes": rng.sample(["64445", "64024", "64422", "33063"], rng.randint(0, 2)),
                "wanted_latitude": lat if point else None, "wanted_longitude": lon if point else None,
                "wanted_radius_km": rng.uniform(1, 60) if point else None, "priority_level": rng.randint(0, 2),
                "registered_since": TODAY - timedelta(days=rng.randint(0, 1500)),
                "created_by": "sw-prefilter", "created_at": datetime.now(UTC),
            }  # fmt: skip
            await conn.execute(sa.insert(Household).values(**values))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_the_candidate_households_of_a_unit_hold_every_eligible_one_and_rank_as_brute_force(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        households = list(
            (await session.execute(sa.select(Household).where(Household.org_id == ORG, Household.status == "searching"))).scalars()
        )
        units = list((await session.execute(sa.select(UnitView).where(UnitView.departement == "64"))).scalars())
        checked = 0
        for unit in units[:40]:
            target = unit_facts(unit)
            columns = await candidate_household_columns(session, ORG, target, POLICY.rent_burden_threshold, ALL_SCHEMES, TODAY)
            evaluations = {
                str(h.id): evaluate(household_facts(h, POLICY.rent_burden_threshold, ALL_SCHEMES), target, TODAY, POLICY)
                for h in households
            }
            eligible = {household_id for household_id, e in evaluations.items() if e.eligible}
            assert eligible <= set(columns.ids), "the prefilter dropped an eligible household"
            ranked = [columns.ids[row] for row in score_households(target, columns, TODAY, POLICY).best(columns.ids, 20)]
            brute = sorted(eligible, key=lambda household_id: (-round(evaluations[household_id].score, 12), household_id))[:20]
            assert ranked == brute
            checked += len(eligible)
    assert checked > 50, "too few eligible pairs to prove anything"


async def test_the_open_units_of_a_household_hold_every_eligible_one_and_rank_as_brute_force(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        households = list(
            (await session.execute(sa.select(Household).where(Household.org_id == ORG, Household.status == "searching"))).scalars()
        )
        units = list(
            (await session.execute(sa.select(UnitView).where(UnitView.departement == "64", UnitView.status == "published"))).scalars()
        )
        checked = 0
        for household in households[:60]:
            facts = household_facts(household, POLICY.rent_burden_threshold, ALL_SCHEMES)
            columns = await open_unit_columns(session, household, ALL_SCHEMES, POLICY, TODAY)
            evaluations: dict[str, Any] = {str(u.unit_id): evaluate(facts, unit_facts(u), TODAY, POLICY) for u in units}
            eligible = {unit_id for unit_id, e in evaluations.items() if e.eligible}
            assert eligible <= set(columns.ids), "the prefilter dropped an eligible unit"
            ranked = [columns.ids[row] for row in score_units(facts, columns, TODAY, POLICY).best(columns.ids, 20)]
            assert ranked == sorted(eligible, key=lambda unit_id: (-round(evaluations[unit_id].score, 12), unit_id))[:20]
            checked += len(eligible)
    assert checked > 50, "too few eligible pairs to prove anything"
