"""Batch allocation runs (ops) and the suggestions each association reviews for its own households.

A run takes the searching households of every association and the published units of a département,
scores every pair under the hard rules, and keeps the assignment with the best total
(``domain/allocation.py``). Each association then sees only the suggestions for its own households,
and may dismiss one: dismissals are recorded for the association's own follow-up, never read to rank.
A run reads every association's households for the service (ops may start one, never read them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from abri_kit.errors import Conflict
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context, UnitOfWork
from abri_matching.db.allocations import AllocationRun, Suggestion
from abri_matching.db.facts import household_facts, unit_facts
from abri_matching.db.households import Household
from abri_matching.db.repositories.allocations import PENDING, AllocationRuns, Suggestions
from abri_matching.db.repositories.associations import Associations, defaults
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.units import Units
from abri_matching.db.units import UnitView
from abri_matching.domain.allocation import Assignment, allocate
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.vector import Array, HouseholdColumns, score_households


@dataclass(frozen=True)
class Pool:
    """What a run allocates: the searching households (as rows and as columns) and the département's open units."""

    households: list[Household]
    units: list[UnitView]
    columns: HouseholdColumns


async def load_pool(uow: UnitOfWork, departement: str, policy: MatchingPolicy, today: date) -> Pool:
    """The département's published units, and every association's searching households that may want one
    of them (with each association's own settings)."""
    units = await Units.for_system(uow).published_in(departement)
    households = await Households.for_system(uow).searching_near(units) if units else []
    own = await Associations.for_system(uow).every()
    columns = HouseholdColumns.of([household_facts(h, *own.get(h.org_id, defaults(policy))) for h in households], today)
    return Pool(households, units, columns)


def score_matrix(pool: Pool, today: date, policy: MatchingPolicy) -> tuple[Array, Array]:
    """Scores and eligibility, households × units."""
    scores = np.zeros((len(pool.households), len(pool.units)))
    eligible = np.zeros((len(pool.households), len(pool.units)), dtype=bool)
    for column, unit in enumerate(pool.units):
        result = score_households(unit_facts(unit), pool.columns, today, policy)
        scores[:, column], eligible[:, column] = result.score, result.eligible
    return scores, eligible


async def record_run(
    uow: UnitOfWork, pool: Pool, assignments: list[Assignment], departement: str, created_by: str, at: datetime
) -> AllocationRun:
    """The run and one pending suggestion per assignment."""
    run = AllocationRuns.for_system(uow).add(
        AllocationRun(
            id=uuid.uuid4(),
            departement=departement,
            created_by=created_by,
            created_at=at,
            households=len(pool.households),
            units=len(pool.units),
            assigned=len(assignments),
            total_score=round(sum(a.score for a in assignments), 6),
        )
    )
    await uow.flush("the run")
    suggestions = Suggestions.for_system(uow)
    for a in assignments:
        household = pool.households[a.household]
        suggestions.add(
            Suggestion(
                run_id=run.id,
                org_id=household.org_id,
                household_id=household.id,
                unit_id=pool.units[a.unit].unit_id,
                score=round(a.score, 6),
                status=PENDING,
            )
        )
    await uow.flush("the suggestions")
    return run


async def run_allocation(ctx: Context, policy: MatchingPolicy, departement: str) -> AllocationRun:
    """Allocate the département's published units among every association's searching households, on
    the day of the request in France."""
    pool = await load_pool(ctx.uow, departement, policy, ctx.today)
    assignments = allocate(*score_matrix(pool, ctx.today, policy))
    return await record_run(ctx.uow, pool, assignments, departement, ctx.principal.subject, ctx.now)


async def list_suggestions(ctx: Context, page: PageRequest, run_id: uuid.UUID | None = None) -> tuple[list[Suggestion], str | None]:
    """One page of the suggestions for the caller's association's households (ops: all), the best first."""
    return await Suggestions.of(ctx).page_best_first(page, run_id)


async def units_of(ctx: Context, suggestions: list[Suggestion]) -> dict[uuid.UUID, UnitView]:
    """The suggested homes as listings last described them (one query), so that a list names each home."""
    return await Units.of(ctx).by_ids({suggestion.unit_id for suggestion in suggestions})


async def dismiss(ctx: Context, suggestion_id: uuid.UUID) -> Suggestion:
    """Dismiss a pending suggestion of the caller's association (no penalty for anyone)."""
    suggestion = await Suggestions.of(ctx).get(suggestion_id, for_update=True)
    if suggestion.status != PENDING:
        raise Conflict(f"the suggestion is already {suggestion.status}", title="Already reviewed")
    suggestion.status = "dismissed"
    suggestion.reviewed_by = ctx.principal.subject
    suggestion.reviewed_at = ctx.now
    await ctx.uow.flush("the suggestion")
    return suggestion
