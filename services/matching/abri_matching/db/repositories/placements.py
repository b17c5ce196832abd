"""Placements and their steps (the timeline).

A social worker sees its association's placements (``org_id``), an owner those for its units
(``owner_id``), a household person those of its own household (the one its association linked to its
account); anyone else none. The household's facts an owner may learn (its size, its resources) are read
through the placement, never through the household.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from abri_auth.principal import Principal
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_matching.db.households import Household
from abri_matching.db.placements import Placement, PlacementStep
from abri_matching.domain.placements import PlacementStatus


def own_household(principal: Principal, column: Any = Placement.household_id) -> sa.ColumnElement[bool]:
    """A household person's rows (``column``: their household id): those of the household its association
    linked to its account."""
    if not principal.has_role("household"):
        return sa.false()
    return cast(sa.ColumnElement[bool], column.in_(sa.select(Household.id).where(Household.account_subject == principal.subject)))


class Placements(ScopedRepository[Placement]):
    model = Placement
    owner_column = "owner_id"
    org_column = "org_id"
    kind = "placement"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        scoped = super()._filter(writing=writing)
        return scoped if self.principal is None else sa.or_(scoped, own_household(self.principal))

    async def page_newest_first(
        self, request: PageRequest, *, statuses: Sequence[str] = (), household_id: uuid.UUID | None = None
    ) -> tuple[list[Placement], str | None]:
        """The caller's placements, the latest proposed first (``statuses``, ``household_id``: only those)."""
        where: list[sa.ColumnElement[bool]] = [Placement.status.in_(statuses)] if statuses else []
        if household_id is not None:
            where.append(Placement.household_id == household_id)
        return await self.page(request, (Placement.proposed_at, Placement.id), where=where, descending=True)

    async def count_by_status(self, *, household_id: uuid.UUID | None = None) -> dict[str, int]:
        """How many of the caller's placements are in each status (one query; statuses with none left out)."""
        return await self.count_by(Placement.status, where=[Placement.household_id == household_id] if household_id is not None else [])

    async def households_of(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
        """For each of the caller's placements among ``ids``: its household's size and monthly resources
        (one query, whatever the number)."""
        joined = cast(
            "sa.Select[Any]",
            sa.select(Placement.id, Household.adults + Household.children, Household.resources_cents).join(
                Household, Household.id == Placement.household_id
            ),
        )
        statement = self.where_visible(joined).where(Placement.id.in_(ids))
        return {row[0]: (int(row[1]), int(row[2])) for row in await self.session.execute(statement)}

    async def timelines(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[PlacementStep]]:
        """The steps of each of the caller's placements among ``ids``, in order (one query)."""
        visible = self.where_visible(sa.select(Placement.id)).where(Placement.id.in_(ids))
        statement = sa.select(PlacementStep).where(PlacementStep.placement_id.in_(visible)).order_by(PlacementStep.seq)
        steps: dict[uuid.UUID, list[PlacementStep]] = defaultdict(list)
        for step in await self.session.scalars(statement):
            steps[step.placement_id].append(step)
        return steps

    def add_step(self, step: PlacementStep) -> PlacementStep:
        """A step of a placement the caller moved."""
        self.session.add(step)
        return step

    async def overdue(self, now: datetime, batch: int) -> list[Placement]:
        """Up to ``batch`` proposals whose answer was due before ``now``, the most overdue first, locked
        (rows another sweeper holds are skipped: replicas sweep side by side)."""
        statement = (
            self.select(writing=True)
            .where(Placement.status == PlacementStatus.PROPOSED.value, Placement.answer_by < now)
            .order_by(Placement.answer_by)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        return list(await self.session.scalars(statement))

    async def step_times(self, placement_id: uuid.UUID, steps: Sequence[str]) -> dict[str, datetime]:
        """When the placement last took each of ``steps`` (those it took)."""
        statement = (
            sa.select(PlacementStep.step, sa.func.max(PlacementStep.at))
            .where(PlacementStep.placement_id == placement_id, PlacementStep.step.in_(list(steps)))
            .group_by(PlacementStep.step)
        )
        return {row[0]: row[1] for row in await self.session.execute(statement)}

    async def reviews_to_alert(self, today: date, notice: timedelta, batch: int) -> list[Placement]:
        """Up to ``batch`` sliding leases whose next review is due within ``notice`` and not yet alerted for
        that date, or past and not yet alerted overdue for it; locked, rows another sweeper holds skipped."""
        due = sa.and_(
            Placement.next_review_by >= today,
            Placement.next_review_by <= today + notice,
            Placement.review_due_alerted_for.is_distinct_from(Placement.next_review_by),
        )
        overdue = sa.and_(Placement.next_review_by < today, Placement.review_overdue_alerted_for.is_distinct_from(Placement.next_review_by))
        statement = (
            self.select(writing=True)
            .where(
                Placement.status == PlacementStatus.LEASE_SIGNED.value,
                Placement.lease_type == "sliding",
                Placement.next_review_by.is_not(None),
                sa.or_(due, overdue),
            )
            .order_by(Placement.next_review_by, Placement.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        return list(await self.session.scalars(statement))

    async def of_household(self, household_id: uuid.UUID, statuses: Sequence[str] = ()) -> list[Placement]:
        """The household's placements (``statuses``: only those), locked, the oldest proposed first."""
        statement = self.select(writing=True).where(Placement.household_id == household_id)
        if statuses:
            statement = statement.where(Placement.status.in_(statuses))
        return list(await self.session.scalars(statement.order_by(Placement.proposed_at).with_for_update()))
