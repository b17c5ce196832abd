"""Batch allocation runs (ops) and the suggestions each association reviews for its own households.

A run takes the searching households of every association and the published units of a département,
scores every pair under the hard rules, and keeps the assignment with the best total
(``domain/allocation.py``). Each association then sees only the suggestions for its own households
(in pages, the best first), and may dismiss one: dismissals are recorded for the association's own
follow-up, never read to rank.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.input import Input
from abri_kit.pagination import Page
from abri_matching.api.placement_schemas import PlacementUnit
from abri_matching.api.state import Policy
from abri_matching.usecases import allocations

router = APIRouter(prefix="/v1", tags=["allocation"])
Ops = Annotated[Principal, Depends(require_roles("ops"))]
Reviewer = Annotated[Principal, Depends(require_roles("social_worker", "ops"))]
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]


class RunIn(Input):
    departement: str = Field(pattern=r"^(\d{2,3}|2A|2B)$", description="The area: published units of this département.")


class RunOut(BaseModel):
    id: uuid.UUID
    departement: str
    households: int
    units: int
    assigned: int
    total_score: float


class SuggestionOut(BaseModel):
    id: uuid.UUID
    run_id: uuid.UUID
    household_id: uuid.UUID
    unit_id: uuid.UUID
    unit: PlacementUnit | None = Field(default=None, description="The home's kind, size and commune; null for a unit not known yet.")
    score: float
    status: str


@router.post("/allocation-runs", status_code=201, summary="Run a batch allocation over a département (ops)")
async def run_allocation(body: RunIn, _: Ops, ctx: Ctx, policy: Policy, idempotency: Idempotent) -> RunOut:
    await idempotency.claim(body)
    recorded = RunOut.model_validate(await allocations.run_allocation(ctx, policy, body.departement), from_attributes=True)
    await idempotency.remember(201, recorded)
    return recorded


@router.get("/suggestions", summary="Suggestions for my association's households (ops: all), the best first, in pages")
async def list_suggestions(
    _: Reviewer, ctx: Ctx, page: PageParams, run_id: Annotated[uuid.UUID | None, Query(description="Only this run")] = None
) -> Page[SuggestionOut]:
    rows, next_cursor = await allocations.list_suggestions(ctx, page, run_id)
    units = await allocations.units_of(ctx, rows)
    items = [
        SuggestionOut.model_validate(row, from_attributes=True).model_copy(
            update={"unit": PlacementUnit.model_validate(units[row.unit_id], from_attributes=True) if row.unit_id in units else None}
        )
        for row in rows
    ]
    return Page[SuggestionOut](items=items, next_cursor=next_cursor)


@router.post(
    "/suggestions/{suggestion_id}/dismiss",
    summary="Dismiss a suggestion (no penalty for anyone)",
    responses={409: {"description": "Already reviewed"}},
)
async def dismiss(suggestion_id: uuid.UUID, _: SocialWorker, ctx: Ctx) -> SuggestionOut:
    return SuggestionOut.model_validate(await allocations.dismiss(ctx, suggestion_id), from_attributes=True)
