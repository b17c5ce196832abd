"""Explained matches: the best units for one of my households, the best of my households for a unit.

Every result carries the rules it passed (with their reasons) and the score's named components with
their weights. A ranking is a bounded top-N (``limit``, at most 100), not a paged list: it is computed
afresh at each request. Refusing a match never penalises anyone: nothing here remembers a refusal.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_contracts.listings import SharedHome
from abri_kit.dependencies import Ctx
from abri_matching.api.state import Cache, Policy
from abri_matching.domain.ranking import Evaluation
from abri_matching.usecases import matches
from abri_matching.usecases.matches import MAX_RESULTS

router = APIRouter(prefix="/v1", tags=["matches"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Limit = Annotated[int, Query(ge=1, le=MAX_RESULTS, description=f"How many results (the best first; 1 to {MAX_RESULTS})")]


Params = dict[str, str | int | float | bool | None]


class RuleOut(BaseModel):
    """A hard rule for the pair. ``rule`` is its code and ``params`` its numbers, from which a page writes the
    reason in its reader's language; ``reason`` says it in English; ``source`` is where the rule comes from, and
    ``source_url`` where to read it, as in the other services' rule answers."""

    rule: str
    passed: bool
    reason: str
    params: Params = Field(default_factory=dict)
    source: str = ""
    source_url: str | None = Field(
        default=None, description="Where to read the text the rule applies (Légifrance, a published recommendation); null: no text to read."
    )
    source_citation: str = Field(
        default="",
        description="The reference of the text alone (a French proper name, said as it is in any language); empty: no law.",
    )
    source_note: str | None = Field(
        default=None, description="The stable code of what the source adds in words (a page translates it; `source` says it in English)."
    )


class ComponentOut(BaseModel):
    """A component of the score: its code (``name``), value, weight, and its reason as ``params`` and in English."""

    name: str
    value: float = Field(description="In [0, 1]")
    weight: float
    reason: str
    params: Params = Field(default_factory=dict)


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
    main_energy: str | None = Field(default=None, description="The home's main energy, as its DPE names it.")
    energy_cost_cents: int | None = Field(
        default=None, description="Its energy bill a month as listings estimated it from its DPE (null: not estimated)."
    )
    kind: str | None = None
    shared_home: SharedHome | None = Field(
        default=None, description="A room's shared home: the whole home, its lease form and house rules (null: a whole home)."
    )


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
        "components": [
            ComponentOut(name=c.name, value=round(c.value, 6), weight=c.weight, reason=c.reason, params=dict(c.params))
            for c in evaluation.components
        ],
        "rules": [
            RuleOut(
                rule=r.rule,
                passed=r.passed,
                reason=r.reason,
                params=dict(r.params),
                source=r.source,
                source_url=r.legal.url,
                source_citation=r.legal.citation,
                source_note=r.legal.note.code if r.legal.note else None,
            )
            for r in evaluation.rules
        ],
    }


@router.get(
    "/households/{household_id}/matches",
    summary="The best published units for one of my households, explained",
    responses={409: {"description": "The household is not searching (it has a proposal or a home, or is archived)"}},
)
async def best_units(
    household_id: uuid.UUID, _: SocialWorker, ctx: Ctx, policy: Policy, cache: Cache, limit: Limit = 20
) -> list[UnitMatch]:
    ranked = await matches.best_units(ctx, policy, cache, household_id, limit)
    return [UnitMatch(unit=UnitCard.model_validate(unit, from_attributes=True), **explanation(evaluation)) for unit, evaluation in ranked]


@router.get("/units/{unit_id}/candidates", summary="The best of my association's searching households for a published unit, explained")
async def best_households(
    unit_id: uuid.UUID, _: SocialWorker, ctx: Ctx, policy: Policy, cache: Cache, limit: Limit = 20
) -> list[HouseholdMatch]:
    ranked = await matches.best_households(ctx, policy, cache, unit_id, limit)
    return [
        HouseholdMatch(household=HouseholdCard(household_id=household.id, reference=household.reference), **explanation(evaluation))
        for household, evaluation in ranked
    ]
