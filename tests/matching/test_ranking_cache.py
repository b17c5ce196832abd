"""The ranking's in-memory columns (``usecases/ranking_cache.py``): the ranked best equal a brute-force ranking of
every pair with the explained evaluation, and every write (by any path, here plain SQL as another
process would) makes the next request reload them (real database, random data around Pau)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from abri_matching.db.facts import household_facts, unit_facts
from abri_matching.db.households import Household
from abri_matching.db.ranking_columns import changed_since, generation, households_scope
from abri_matching.db.units import UnitView
from abri_matching.domain.policy import ALL_SCHEMES, MatchingPolicy
from abri_matching.domain.ranking import evaluate
from abri_matching.domain.vector import score_households, score_units
from abri_matching.ranking_changes import prune
from abri_matching.usecases import ranking_cache
from abri_matching.usecases.ranking_cache import RankingCache
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
                "created_by": "sw-prefilter", "created_at": datetime.now(UTC), "purposes_in_force": ["matching"],
            }  # fmt: skip
            await conn.execute(sa.insert(Household).values(**values))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_the_candidate_households_of_a_unit_rank_as_brute_force(sessions: async_sessionmaker[AsyncSession]) -> None:
    cache = RankingCache(max_associations=4)
    async with sessions() as session:
        households = list(
            (await session.execute(sa.select(Household).where(Household.org_id == ORG, Household.status == "searching"))).scalars()
        )
        units = list((await session.execute(sa.select(UnitView).where(UnitView.departement == "64"))).scalars())
        checked = 0
        for unit in units[:40]:
            target = unit_facts(unit)
            ranked = await cache.households(session, ORG)
            evaluations = {
                str(h.id): evaluate(household_facts(h, POLICY.rent_burden_threshold, ALL_SCHEMES), target, TODAY, POLICY)
                for h in households
            }
            eligible = {household_id for household_id, e in evaluations.items() if e.eligible}
            assert set(ranked.ids) == {str(h.id) for h in households}
            best = ranked.best(
                lambda table: table.columns(POLICY.rent_burden_threshold, ALL_SCHEMES, TODAY),
                lambda columns: score_households(target, columns, TODAY, POLICY),  # noqa: B023 (used at once)
                20,
            )
            brute = sorted(eligible, key=lambda household_id: (-round(evaluations[household_id].score, 12), household_id))[:20]
            assert best == brute
            checked += len(eligible)
    assert checked > 50, "too few eligible pairs to prove anything"
    assert cache.loads == 1, "nothing was written: the columns were loaded once"


async def test_the_open_units_of_a_household_rank_as_brute_force(sessions: async_sessionmaker[AsyncSession]) -> None:
    cache = RankingCache(max_associations=4)
    async with sessions() as session:
        households = list(
            (await session.execute(sa.select(Household).where(Household.org_id == ORG, Household.status == "searching"))).scalars()
        )
        units = list((await session.execute(sa.select(UnitView).where(UnitView.status == "published"))).scalars())
        checked = 0
        for household in households[:60]:
            facts = household_facts(household, POLICY.rent_burden_threshold, ALL_SCHEMES)
            ranked = await cache.units(session)
            evaluations: dict[str, Any] = {str(u.unit_id): evaluate(facts, unit_facts(u), TODAY, POLICY) for u in units}
            eligible = {unit_id for unit_id, e in evaluations.items() if e.eligible}
            assert set(ranked.ids) == {str(u.unit_id) for u in units}
            best = ranked.best(lambda table: table.columns(TODAY), lambda columns: score_units(facts, columns, TODAY, POLICY), 20)  # noqa: B023
            assert best == sorted(eligible, key=lambda unit_id: (-round(evaluations[unit_id].score, 12), unit_id))[:20]
            checked += len(eligible)
    assert checked > 50, "too few eligible pairs to prove anything"


def household_values(org_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(), "org_id": org_id, "reference": f"RC-{uuid.uuid4().hex[:10]}", "status": "searching", "version": 1,
        "adults": 1, "children": 0, "resources_cents": 150_000, "housing_benefit_cents": 0,
        "needs_step_free": False, "needs_ground_floor": False, "min_bedrooms": 0, "wanted_communes": ["64445"],
        "wanted_latitude": None, "wanted_longitude": None, "wanted_radius_km": None, "priority_level": 0,
        "registered_since": TODAY, "created_by": "sw-cache", "created_at": datetime.now(UTC), "purposes_in_force": ["matching"],
        **changes,
    }  # fmt: skip


async def test_every_write_to_an_associations_households_is_patched_into_the_next_request(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    org = f"assoc-cache-{uuid.uuid4().hex[:8]}"
    cache = RankingCache(max_associations=4)
    first, second = household_values(org), household_values(org)
    async with sessions() as session:
        assert (await cache.households(session, org)).ids == []
        assert await generation(session, households_scope(org)) == 0
    async with sessions.begin() as session:  # one statement, two rows: one generation
        await session.execute(sa.insert(Household).values([first, second]))
    async with sessions() as session:
        assert await generation(session, households_scope(org)) == 1
        table = await cache.households(session, org)
        assert sorted(table.ids) == sorted([str(first["id"]), str(second["id"])])
        assert (await cache.households(session, org)) is table, "nothing written since: nothing read but the generation"
        assert (cache.loads, cache.patches) == (1, 1), "loaded whole once (empty), then patched with the two rows"
    async with sessions.begin() as session:
        await session.execute(sa.update(Household).where(Household.id == first["id"]).values(status="proposed"))
    async with sessions() as session:
        assert (await cache.households(session, org)).ids == [str(second["id"])], "a household no longer searching drops out"
    async with sessions.begin() as session:
        await session.execute(sa.update(Household).where(Household.id == second["id"]).values(priority_level=2, resources_cents=90_000))
    async with sessions() as session:
        table = await cache.households(session, org)
        assert table.ids == [str(second["id"])]
        assert (table.patch.loaded.priority.tolist(), table.patch.loaded.resources.tolist()) == ([2.0], [90_000.0])
    async with sessions.begin() as session:
        await session.execute(sa.delete(Household).where(Household.org_id == org))
    async with sessions() as session:
        assert (await cache.households(session, org)).ids == []
        assert await generation(session, households_scope(org)) == 4
    assert (cache.loads, cache.patches) == (1, 4)


async def test_another_associations_writes_leave_the_columns_alone_and_the_least_recent_is_evicted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = f"assoc-cache-{uuid.uuid4().hex[:8]}", f"assoc-cache-{uuid.uuid4().hex[:8]}"
    cache = RankingCache(max_associations=1)
    async with sessions.begin() as session:
        await session.execute(sa.insert(Household), [household_values(first), household_values(second)])
    async with sessions() as session:
        kept = await cache.households(session, first)
    async with sessions.begin() as session:
        await session.execute(sa.update(Household).where(Household.org_id == second).values(version=2))
    async with sessions() as session:
        assert await cache.households(session, first) is kept
        assert len((await cache.households(session, second)).ids) == 1
        assert await cache.households(session, first) is not kept, "evicted by the second association: loaded again"
    assert (cache.loads, cache.patches) == (3, 0)
    async with sessions.begin() as session:
        await session.execute(sa.delete(Household).where(Household.org_id.in_([first, second])))


async def test_every_change_to_the_read_model_of_units_is_patched_into_the_next_request(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cache = RankingCache(max_associations=1)
    row = unit_row(insee_code="64445", commune="Pau", departement="64", latitude=PAU[0], longitude=PAU[1], available_from=None)
    async with sessions() as session:
        before = await cache.units(session)
        assert str(row["unit_id"]) not in before.ids
        assert await cache.units(session) is before
    async with sessions.begin() as session:
        await insert_units(await session.connection(), row)
    async with sessions() as session:
        table = await cache.units(session)
        assert str(row["unit_id"]) in table.ids
        assert list(table.patch.ids) == [str(row["unit_id"])]
        assert table.patch.columns(TODAY).available_days[0] > POLICY.availability_horizon_days, "no date: never"
    async with sessions.begin() as session:
        await session.execute(sa.update(UnitView).where(UnitView.unit_id == row["unit_id"]).values(status="reserved"))
    async with sessions() as session:
        assert str(row["unit_id"]) not in (await cache.units(session)).ids, "a unit no longer published drops out"
    async with sessions.begin() as session:
        await session.execute(sa.delete(UnitView).where(UnitView.unit_id == row["unit_id"]))
    assert (cache.loads, cache.patches) == (1, 2)


async def ranking_of(cache: RankingCache, session: AsyncSession, org: str, units: list[UnitView]) -> tuple[list[str], list[list[str]]]:
    """The ids a cache ranks for ``org``, and its best 15 for each of ``units``."""
    ranked = await cache.households(session, org)
    best = [
        ranked.best(
            lambda table: table.columns(POLICY.rent_burden_threshold, ALL_SCHEMES, TODAY),
            lambda columns: score_households(unit_facts(unit), columns, TODAY, POLICY),  # noqa: B023 (used at once)
            15,
        )
        for unit in units
    ]
    return sorted(ranked.ids), best


async def test_a_ranking_patched_through_every_kind_of_write_equals_one_loaded_whole(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Random rounds of writes as the paths of the service (and psql) make them: a patched cache ranks exactly
    as a cache that loads everything afresh, and it loaded the rows whole only once."""
    rng = random.Random(22)
    org, elsewhere = f"assoc-patch-{uuid.uuid4().hex[:8]}", f"assoc-patch-{uuid.uuid4().hex[:8]}"

    def someone() -> dict[str, Any]:
        lat, lon = jitter(rng, 50)
        return household_values(
            org, adults=rng.randint(1, 2), children=rng.randint(0, 3), resources_cents=rng.randint(60_000, 250_000),
            min_bedrooms=rng.randint(0, 2), wanted_communes=rng.sample(["64445", "64024", "64422"], rng.randint(0, 2)),
            wanted_latitude=lat, wanted_longitude=lon, wanted_radius_km=rng.uniform(5, 50), priority_level=rng.randint(0, 2),
            registered_since=TODAY - timedelta(days=rng.randint(0, 900)),
        )  # fmt: skip

    async with sessions.begin() as session:
        await session.execute(sa.insert(Household), [someone() for _ in range(150)])
    patched = RankingCache(max_associations=4)
    async with sessions() as session:
        units = list((await session.execute(sa.select(UnitView).where(UnitView.departement == "64"))).scalars())[:12]
        await patched.households(session, org)
    writes: list[Callable[[list[uuid.UUID]], Any]] = [
        lambda ids: sa.update(Household).where(Household.id == rng.choice(ids)).values(priority_level=rng.randint(0, 2)),
        lambda ids: sa.update(Household).where(Household.id == rng.choice(ids)).values(resources_cents=rng.randint(40_000, 300_000)),
        lambda ids: sa.update(Household).where(Household.id == rng.choice(ids)).values(status=rng.choice(["searching", "proposed"])),
        lambda ids: sa.update(Household).where(Household.id == rng.choice(ids)).values(purposes_in_force=rng.choice([[], ["matching"]])),
        lambda ids: sa.update(Household).where(Household.id.in_(rng.sample(ids, 5))).values(min_bedrooms=rng.randint(0, 3)),
        lambda ids: sa.update(Household).where(Household.id == rng.choice(ids)).values(org_id=elsewhere),  # moved by hand
        lambda ids: sa.delete(Household).where(Household.id == rng.choice(ids)),
        lambda ids: sa.insert(Household).values(someone()),
    ]
    for _ in range(8):
        for _ in range(rng.randint(1, 6)):
            async with sessions.begin() as session:
                ids = list((await session.scalars(sa.select(Household.id).where(Household.org_id == org))).all())
                await session.execute(rng.choice(writes)(ids))
        async with sessions() as session:
            assert await ranking_of(patched, session, org, units) == await ranking_of(RankingCache(1), session, org, units)
    assert (patched.loads, patched.patches) == (1, 8)
    async with sessions.begin() as session:
        await session.execute(sa.delete(Household).where(Household.org_id.in_([org, elsewhere])))


async def test_the_columns_are_loaded_whole_again_after_too_many_changes_or_once_changes_were_pruned(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    org = f"assoc-prune-{uuid.uuid4().hex[:8]}"
    cache = RankingCache(max_associations=4)
    async with sessions.begin() as session:
        await session.execute(sa.insert(Household), [household_values(org) for _ in range(3)])
    async with sessions() as session:
        await cache.households(session, org)

    async def touch(count: int) -> None:
        async with sessions.begin() as session:
            ids = (await session.scalars(sa.select(Household.id).where(Household.org_id == org).limit(count))).all()
            await session.execute(sa.update(Household).where(Household.id.in_(ids)).values(priority_level=1))

    monkeypatch.setattr(ranking_cache, "PATCH_MIN_ROWS", 2)
    await touch(1)
    async with sessions() as session:
        await cache.households(session, org)
    assert (cache.loads, cache.patches) == (1, 1)
    await touch(2)  # three rows changed since the base: past the limit of two
    async with sessions() as session:
        assert len((await cache.households(session, org)).ids) == 3
    assert (cache.loads, cache.patches) == (2, 1)

    await touch(1)
    assert await prune(sessions, datetime.now(UTC), keep_s=0) >= 1  # every change so far (and other tests'), batch after batch
    async with sessions() as session:
        current = await generation(session, households_scope(org))
        changes = await changed_since(session, households_scope(org), 0, current, 100)
        assert (changes.rows, changes.pruned_through) == (None, current), "pruned through the last change: none can be known"
    async with sessions() as session:
        assert len((await cache.households(session, org)).ids) == 3
    assert (cache.loads, cache.patches) == (3, 1), "the changes since the columns were pruned: loaded whole"
    async with sessions.begin() as session:
        await session.execute(sa.delete(Household).where(Household.org_id == org))


async def test_changes_younger_than_the_period_are_kept_by_the_pruning(sessions: async_sessionmaker[AsyncSession]) -> None:
    org = f"assoc-prune-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        await session.execute(sa.insert(Household), [household_values(org)])
    before = await prune(sessions, datetime.now(UTC), keep_s=3600)
    assert before >= 0
    async with sessions() as session:
        current = await generation(session, households_scope(org))
        changes = await changed_since(session, households_scope(org), 0, current, 100)
        assert (changes.rows is not None and len(changes.rows), changes.pruned_through) == (1, 0)
        assert (await changed_since(session, households_scope(org), 0, current, 0)).rows is None, "more than asked: load whole"
    async with sessions.begin() as session:
        await session.execute(sa.delete(Household).where(Household.org_id == org))
