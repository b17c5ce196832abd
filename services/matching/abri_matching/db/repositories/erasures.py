"""Erasure requests and their receipts: reached through their household, which the use case already
holds for its caller (``for_system``), or by the receipts' handler."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.repository import ScopedRepository
from abri_matching.db.erasures import ErasureReceipt, HouseholdErasure
from abri_matching.db.inventories import Inventory
from abri_matching.db.placements import Placement, PlacementStep


class Erasures(ScopedRepository[HouseholdErasure]):
    model = HouseholdErasure
    org_column = "org_id"
    kind = "erasure"

    async def of_household(self, household_id: uuid.UUID, *, for_update: bool = False) -> HouseholdErasure | None:
        statement = self.select(writing=for_update).where(HouseholdErasure.household_id == household_id)
        if for_update:
            statement = statement.with_for_update()
        found: HouseholdErasure | None = await self.session.scalar(statement)
        return found

    async def receipts(self, request_id: uuid.UUID) -> dict[str, ErasureReceipt]:
        """The receipts of a request, by service."""
        rows = await self.session.scalars(sa.select(ErasureReceipt).where(ErasureReceipt.request_id == request_id))
        return {row.service: row for row in rows}

    async def receive(self, values: dict[str, Any]) -> None:
        """A service's receipt; the first one a service sent stands (a redelivery changes nothing)."""
        statement = insert(ErasureReceipt).values(**values)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=[ErasureReceipt.request_id, ErasureReceipt.service]))

    async def inventory_traces(self, household_id: uuid.UUID) -> list[date | None]:
        """For each of the household's placements with inventories, the day of its move-out inventory (None: none yet)."""
        move_out = sa.func.max(sa.case((Inventory.kind == "move_out", Inventory.made_on)))
        statement = sa.select(move_out).where(Inventory.household_id == household_id).group_by(Inventory.placement_id)
        return [row[0] for row in await self.session.execute(statement)]

    async def placement_traces(self, household_id: uuid.UUID) -> list[tuple[str, str | None, Any]]:
        """The household's placements as they stand: status, lease type and the instant of the last step."""
        last_step = sa.func.coalesce(sa.func.max(PlacementStep.at), Placement.ended_at, Placement.proposed_at)
        statement = (
            sa.select(Placement.status, Placement.lease_type, last_step)
            .outerjoin(PlacementStep, PlacementStep.placement_id == Placement.id)
            .where(Placement.household_id == household_id)
            .group_by(Placement.id)
        )
        return [(row[0], row[1], row[2]) for row in await self.session.execute(statement)]
