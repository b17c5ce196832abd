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
from abri_kit.db import SessionDep
from abri_kit.problems import Problem
from abri_matching.api.households import scoped_household
from abri_matching.db.units import UnitView
from abri_matching.domain.households import HouseholdStatus
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import Evaluation, evaluate
from abri_matching.domain.vector import score_households, score_units
from abri_matching.ranking_queries import association_settings, household_facts, open_units_for, searching_households, unit_facts

router = APIRouter(prefix="/v1", tags=["matches"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Limit = Annotated[int, Query(ge=1, le=100, description="How many results")]


def policy_of(request: Request) -> MatchingPolicy:
    policy: MatchingPolicy = request.app.state.policy
    return policy


Policy = Annotated[MatchingPolicy, Depends(policy_of)]


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
    household_id: uuid.UUID, principal: SocialWorker, session: SessionDep, policy: Policy, limit: Limit = 20
) -> list[UnitMatch]:
    household = await scoped_household(session, household_id, principal)
    if household.status != HouseholdStatus.SEARCHING.value:
        raise Problem(409, f"the household is {household.status}, not searching", title="Not searching")
    today = date.today()
    threshold, schemes = await association_settings(session, household.org_id, policy)
    facts = household_facts(household, threshold, schemes)
    units = await open_units_for(session, household, policy, today)
    candidates = [unit_facts(unit) for unit in units]
    scores = score_units(facts, candidates, today, policy)
    results = []
    for row in scores.best([str(unit.unit_id) for unit in units], limit):
        unit = units[row]
        card = UnitCard.model_validate(unit, from_attributes=True)
        results.append(UnitMatch(unit=card, **explanation(evaluate(facts, candidates[row], today, policy))))
    return results


@router.get("/units/{unit_id}/candidates", summary="The best of my association's searching households for a published unit, explained")
async def best_households(
    unit_id: uuid.UUID, principal: SocialWorker, session: SessionDep, policy: Policy, limit: Limit = 20
) -> list[HouseholdMatch]:
    unit = await session.get(UnitView, unit_id)
    if unit is None or unit.status != "published":
        raise Problem(404, f"unit {unit_id} is not open to placements")
    if not principal.org_id:
        raise Problem(403, "a social worker acts for an association: the token has no org_id")
    today = date.today()
    threshold, schemes = await association_settings(session, principal.org_id, policy)
    households = await searching_households(session, principal.org_id)
    facts = [household_facts(household, threshold, schemes) for household in households]
    target = unit_facts(unit)
    scores = score_households(target, facts, today, policy)
    return [
        HouseholdMatch(
            household=HouseholdCard(household_id=households[row].id, reference=households[row].reference),
            **explanation(evaluate(facts[row], target, today, policy)),
        )
        for row in scores.best([str(household.id) for household in households], limit)
    ]
