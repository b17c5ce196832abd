"""Batch allocation runs (ops) and the suggestions each association reviews for its own households.

A run takes the searching households of every association and the published units of a département,
scores every pair under the hard rules, and keeps the assignment with the best total
(``domain/allocation.py``). Each association then sees only the suggestions for its own households,
and may dismiss one: dismissals are recorded for the association's own follow-up, never read to rank.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import numpy as np
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_auth.scoping import get_scoped, scoped
from abri_kit.clock import Now, Today
from abri_kit.db import SessionDep
from abri_kit.idempotency import Idempotent
from abri_kit.input import Input
from abri_kit.problems import Problem
from abri_matching.api.matches import Policy
from abri_matching.db.allocations import AllocationRun, Suggestion
from abri_matching.db.associations import AssociationSettings
from abri_matching.db.households import Household
from abri_matching.db.units import UnitView
from abri_matching.domain.allocation import Assignment, allocate
from abri_matching.domain.households import HouseholdStatus
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.vector import Array, HouseholdColumns, score_households
from abri_matching.ranking_queries import ALL_SCHEMES, KM_PER_LATITUDE_DEGREE_AT_MOST, household_facts, unit_facts

router = APIRouter(prefix="/v1", tags=["allocation"])
Ops = Annotated[Principal, Depends(require_roles("ops"))]
Reviewer = Annotated[Principal, Depends(require_roles("social_worker", "ops"))]


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
    score: float
    status: str


@dataclass(frozen=True)
class Pool:
    """What a run allocates: the searching households (as rows and as columns) and the département's open units."""

    households: list[Household]
    units: list[UnitView]
    columns: HouseholdColumns


def households_near(units: list[UnitView]) -> sa.Select[Any]:
    """Every association's searching households that may want one of ``units``: one of their communes, or
    a point whose latitude alone is within the household's radius of the units' band (a great-circle
    distance is at least the latitude difference, 111.19 km a degree: 111 here, a margin). A superset of
    the households that pass the ``wanted_place`` rule for one of the units."""
    communes = sorted({unit.insee_code for unit in units if unit.insee_code})
    latitudes = [unit.latitude for unit in units if unit.latitude is not None]
    near = [Household.wanted_communes.overlap(communes)] if communes else []
    if latitudes:
        margin = Household.wanted_radius_km / KM_PER_LATITUDE_DEGREE_AT_MOST
        near.append(Household.wanted_latitude.between(min(latitudes) - margin, max(latitudes) + margin))
    return sa.select(Household).where(Household.status == HouseholdStatus.SEARCHING.value, sa.or_(*near) if near else sa.false())


async def load_pool(session: AsyncSession, departement: str, policy: MatchingPolicy, today: date) -> Pool:
    """The département's published units, and every association's searching households that may want one
    of them (with each association's own settings)."""
    units = list(
        (await session.execute(sa.select(UnitView).where(UnitView.status == "published", UnitView.departement == departement))).scalars()
    )
    households = list((await session.execute(households_near(units))).scalars()) if units else []
    own = {row.org_id: row for row in (await session.execute(sa.select(AssociationSettings))).scalars()}

    def settings_of(org_id: str) -> tuple[float, frozenset[str]]:
        row = own.get(org_id)
        return (row.rent_burden_threshold, frozenset(row.schemes)) if row else (policy.rent_burden_threshold, ALL_SCHEMES)

    columns = HouseholdColumns.of([household_facts(h, *settings_of(h.org_id)) for h in households], today)
    return Pool(households, units, columns)


def score_matrix(pool: Pool, today: date, policy: MatchingPolicy) -> tuple[Array, Array]:
    """Scores and eligibility, households × units."""
    scores = np.zeros((len(pool.households), len(pool.units)))
    eligible = np.zeros((len(pool.households), len(pool.units)), dtype=bool)
    for column, unit in enumerate(pool.units):
        result = score_households(unit_facts(unit), pool.columns, today, policy)
        scores[:, column], eligible[:, column] = result.score, result.eligible
    return scores, eligible


async def record_run(session: AsyncSession, pool: Pool, assignments: list[Assignment], departement: str, created_by: str) -> AllocationRun:
    """The run and one pending suggestion per assignment."""
    run = AllocationRun(
        id=uuid.uuid4(),
        departement=departement,
        created_by=created_by,
        households=len(pool.households),
        units=len(pool.units),
        assigned=len(assignments),
        total_score=round(sum(a.score for a in assignments), 6),
    )
    session.add(run)
    await session.flush()
    session.add_all(
        Suggestion(
            run_id=run.id,
            org_id=pool.households[a.household].org_id,
            household_id=pool.households[a.household].id,
            unit_id=pool.units[a.unit].unit_id,
            score=round(a.score, 6),
            status="pending",
        )
        for a in assignments
    )
    await session.flush()
    return run


@router.post("/allocation-runs", status_code=201, summary="Run a batch allocation over a département (ops)")
async def run_allocation(body: RunIn, principal: Ops, session: SessionDep, policy: Policy, today: Today, idempotency: Idempotent) -> RunOut:
    await idempotency.claim(body)
    pool = await load_pool(session, body.departement, policy, today)
    assignments = allocate(*score_matrix(pool, today, policy))
    run = await record_run(session, pool, assignments, body.departement, principal.subject)
    recorded = RunOut.model_validate(run, from_attributes=True)
    await idempotency.remember(201, recorded)
    return recorded


@router.get("/suggestions", summary="Suggestions for my association's households (ops: all)")
async def list_suggestions(
    principal: Reviewer, session: SessionDep, run_id: Annotated[uuid.UUID | None, Query(description="Only this run")] = None
) -> list[SuggestionOut]:
    statement = scoped(sa.select(Suggestion), principal, org_column=Suggestion.org_id, ops_reads_all=True)
    if run_id is not None:
        statement = statement.where(Suggestion.run_id == run_id)
    rows = await session.execute(statement.order_by(Suggestion.score.desc(), Suggestion.id))
    return [SuggestionOut.model_validate(row, from_attributes=True) for row in rows.scalars()]


@router.post("/suggestions/{suggestion_id}/dismiss", summary="Dismiss a suggestion (no penalty for anyone)")
async def dismiss(
    suggestion_id: uuid.UUID, principal: Annotated[Principal, Depends(require_roles("social_worker"))], session: SessionDep, now: Now
) -> SuggestionOut:
    suggestion = await get_scoped(session, Suggestion, suggestion_id, principal, org_attr="org_id", for_update=True)
    if suggestion.status != "pending":
        raise Problem(409, f"the suggestion is already {suggestion.status}", title="Already reviewed")
    suggestion.status = "dismissed"
    suggestion.reviewed_by = principal.subject
    suggestion.reviewed_at = now
    await session.flush()
    return SuggestionOut.model_validate(suggestion, from_attributes=True)
