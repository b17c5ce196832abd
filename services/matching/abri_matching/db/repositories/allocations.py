"""Batch allocation runs (made by ops) and their suggestions: an association's social workers see and
review the suggestions for their own households (``org_id``); ops read them all and change none."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from abri_kit.pagination import PageRequest, keyset_page
from abri_kit.repository import ScopedRepository
from abri_matching.db.allocations import AllocationRun, Suggestion

PENDING = "pending"
BEST_FIRST = (sa.cast(Suggestion.score, sa.Numeric).label("score_key"), Suggestion.id.label("suggestion_id"))
"""The order of the suggestions, read from the highest score (a score is stored to six decimals: its
numeric value is exact and a cursor carries it as such), then by id."""


class AllocationRuns(ScopedRepository[AllocationRun]):
    model = AllocationRun
    owner_column = "created_by"
    ops_reads_all = True
    kind = "allocation run"


class Suggestions(ScopedRepository[Suggestion]):
    model = Suggestion
    org_column = "org_id"
    ops_reads_all = True
    kind = "suggestion"

    async def page_best_first(self, request: PageRequest, run_id: uuid.UUID | None = None) -> tuple[list[Suggestion], str | None]:
        """The caller's suggestions, the best score first (``run_id``: of that run only)."""
        statement = self.where_visible(sa.select(Suggestion, *BEST_FIRST))
        if run_id is not None:
            statement = statement.where(Suggestion.run_id == run_id)
        rows, next_cursor = await keyset_page(self.session, statement, BEST_FIRST, request, descending=True)
        return [row[0] for row in rows], next_cursor

    async def mark_proposed(self, household_id: uuid.UUID, unit_id: uuid.UUID, *, by: str, at: datetime) -> None:
        """A pending suggestion of this pair (the caller's) is now reviewed: proposed."""
        await self.session.execute(
            sa.update(Suggestion)
            .where(
                self._filter(writing=True),
                Suggestion.household_id == household_id,
                Suggestion.unit_id == unit_id,
                Suggestion.status == PENDING,
            )
            .values(status="proposed", reviewed_by=by, reviewed_at=at)
        )

    async def drop_pending_of(self, household_id: uuid.UUID) -> int:
        """The household's pending suggestions go (its consent to matching was withdrawn, or it was erased)."""
        result = await self.session.execute(
            sa.delete(Suggestion).where(self._filter(writing=True), Suggestion.household_id == household_id, Suggestion.status == PENDING)
        )
        return int(getattr(result, "rowcount", 0) or 0)
