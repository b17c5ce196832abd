"""Explained matches: the best published units for one of the caller's households, the best of its
association's searching households for a unit. A bounded top-N (``limit``), not a list: a ranking is
recomputed at each request from the ranking's columns (``usecases/ranking_cache.py``), then only the best
are explained one by one with ``evaluate``. Refusing a match is never recorded."""

from __future__ import annotations

import uuid

from abri_kit.errors import Conflict, Problem
from abri_kit.usecase import Context
from abri_matching.db.facts import household_facts, unit_facts
from abri_matching.db.households import Household
from abri_matching.db.repositories.associations import Associations
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.units import Units
from abri_matching.db.units import UnitView
from abri_matching.domain.consents import Purpose
from abri_matching.domain.households import HouseholdStatus
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import Evaluation, evaluate
from abri_matching.domain.vector import score_households, score_units
from abri_matching.usecases.consent_gate import require
from abri_matching.usecases.households import org_of
from abri_matching.usecases.ranking_cache import RankingCache

MAX_RESULTS = 100
"""The most results one ranking returns (``limit`` from 1 to this)."""


async def best_units(
    ctx: Context, policy: MatchingPolicy, cache: RankingCache, household_id: uuid.UUID, limit: int
) -> list[tuple[UnitView, Evaluation]]:
    """The ``limit`` best published units for one of the caller's searching households, explained."""
    household = await Households.of(ctx).get(household_id)
    if household.status != HouseholdStatus.SEARCHING.value:
        raise Conflict(f"the household is {household.status}, not searching", title="Not searching")
    await require(ctx, household, Purpose.MATCHING)
    threshold, schemes = await Associations.of(ctx).settings(household.org_id, policy)
    facts = household_facts(household, threshold, schemes)
    best = (await cache.units(ctx.uow.session)).best(
        lambda table: table.columns(ctx.today), lambda columns: score_units(facts, columns, ctx.today, policy), min(limit, MAX_RESULTS)
    )
    units = await Units.of(ctx).by_ids(uuid.UUID(unit_id) for unit_id in best)
    ranked = [units[uuid.UUID(unit_id)] for unit_id in best]
    return [(unit, evaluate(facts, unit_facts(unit), ctx.today, policy)) for unit in ranked]


async def best_households(
    ctx: Context, policy: MatchingPolicy, cache: RankingCache, unit_id: uuid.UUID, limit: int
) -> list[tuple[Household, Evaluation]]:
    """The ``limit`` best of the caller's association's searching households for a published unit, explained
    (only those whose data may be processed for matching: ``db/ranking_columns.py``)."""
    unit = await Units.of(ctx).open(unit_id)
    if unit is None:
        raise Problem(404, f"unit {unit_id} is not open to placements")
    org_id = org_of(ctx)
    threshold, schemes = await Associations.of(ctx).settings(org_id, policy)
    target = unit_facts(unit)
    best = (await cache.households(ctx.uow.session, org_id)).best(
        lambda table: table.columns(threshold, schemes, ctx.today),
        lambda columns: score_households(target, columns, ctx.today, policy),
        min(limit, MAX_RESULTS),
    )
    households = await Households.of(ctx).by_ids([uuid.UUID(household_id) for household_id in best])
    ranked = [households[uuid.UUID(household_id)] for household_id in best]
    return [(household, evaluate(household_facts(household, threshold, schemes), target, ctx.today, policy)) for household in ranked]
