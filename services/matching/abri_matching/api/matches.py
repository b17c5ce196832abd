"""Explained matches: the best units for one of my households, the best of my households for a unit.

Every result carries the rules it passed (with their reasons) and the score's named components with
their weights. Refusing a match never penalises anyone: nothing here remembers a refusal.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.clock import Today
from abri_kit.db import SessionDep
from abri_kit.problems import Problem
from abri_matching.api.households import scoped_household
from abri_matching.db.units import UnitView
from abri_matching.domain.households import HouseholdStatus
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import Evaluation, evaluate
from abri_matching.domain.vector import score_households, score_units
from abri_matching.ranking_cache import RankingCache
from abri_matching.ranking_queries import association_settings, household_facts, households_by_id, unit_facts, units_by_id

router = APIRouter(prefix="/v1", tags=["matches"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Limit = Annotated[int, Query(ge=1, le=100, description="How many results")]


def policy_of(request: Request) -> MatchingPolicy:
    policy: MatchingPolicy = request.app.state.policy
    return policy


Policy = Annotated[MatchingPolicy, Depends(policy_of)]


def ranking_cache_of(request: Request) -> RankingCache:
    cache: RankingCache = request.app.state.ranking_cache
    return cache


Cache = Annotated[RankingCache, Depends(ranking_cache_of)]


class RuleOut(BaseModel):
    rule: str
    passed: bool
    reason: str


class ComponentOut(BaseModel):
    name: str
    value: float = Field(description="In [0, 1]")
    weight: float
    reason: str


class Explanation(BaseModel):
    score: float
    components: list[ComponentOut]
    rules: list[RuleOut]


class UnitCard(BaseModel):
    unit_id: uuid.UUID
    version: int
    commune: str | None
    insee_code: str | None
    rooms: int | None
    living_area_m2: float | None
    rent_cents: int | None
    charges_cents: int | None
    schemes: list[str]
    available_from: date | None


class UnitMatch(Explanation):
    unit: UnitCard


class HouseholdCard(BaseModel):
    household_id: uuid.UUID
    reference: str


class HouseholdMatch(Explanation):
    household: HouseholdCard


def explanation(evaluation: Evaluation) -> dict[str, object]:
    return {
        "score": round(evaluation.score, 6),
        "components": [ComponentOut(name=c.name, value=round(c.value, 6), weight=c.weight, reason=c.reason) for c in evaluation.components],
        "rules": [RuleOut(rule=r.rule, passed=r.passed, reason=r.reason) for r in evaluation.rules],
    }


@router.get("/households/{household_id}/matches", summary="The best published units for one of my households, explained")
async def best_units(
    household_id: uuid.UUID, principal: SocialWorker, session: SessionDep, policy: Policy, cache: Cache, today: Today, limit: Limit = 20
) -> list[UnitMatch]:
    household = await scoped_household(session, household_id, principal)
    if household.status != HouseholdStatus.SEARCHING.value:
        raise Problem(409, f"the household is {household.status}, not searching", title="Not searching")
    threshold, schemes = await association_settings(session, household.org_id, policy)
    facts = household_facts(household, threshold, schemes)
    columns = (await cache.units(session)).columns(today)
    best = [columns.ids[row] for row in score_units(facts, columns, today, policy).best(columns.ids, limit)]
    units = await units_by_id(session, best)
    results = []
    for unit_id in best:  # the best, explained one by one from their rows
        unit = units[unit_id]
        card = UnitCard.model_validate(unit, from_attributes=True)
        results.append(UnitMatch(unit=card, **explanation(evaluate(facts, unit_facts(unit), today, policy))))
    return results


@router.get("/units/{unit_id}/candidates", summary="The best of my association's searching households for a published unit, explained")
async def best_households(
    unit_id: uuid.UUID, principal: SocialWorker, session: SessionDep, policy: Policy, cache: Cache, today: Today, limit: Limit = 20
) -> list[HouseholdMatch]:
    unit = await session.get(UnitView, unit_id)
    if unit is None or unit.status != "published":
        raise Problem(404, f"unit {unit_id} is not open to placements")
    if not principal.org_id:
        raise Problem(403, "a social worker acts for an association: the token has no org_id")
    threshold, schemes = await association_settings(session, principal.org_id, policy)
    target = unit_facts(unit)
    columns = (await cache.households(session, principal.org_id)).columns(threshold, schemes, today)
    best = [columns.ids[row] for row in score_households(target, columns, today, policy).best(columns.ids, limit)]
    households = await households_by_id(session, best)
    return [
        HouseholdMatch(
            household=HouseholdCard(household_id=households[household_id].id, reference=households[household_id].reference),
            **explanation(evaluate(household_facts(households[household_id], threshold, schemes), target, today, policy)),
        )
        for household_id in best
    ]
