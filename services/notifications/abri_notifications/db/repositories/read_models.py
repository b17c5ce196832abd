"""The repositories of the service's read models (``db/read_models.py``): only its event handlers reach
them (``for_system``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.repository import ScopedRepository
from abri_notifications.db.read_models import PlacementOrg, UnitOwner

HOME_COLUMNS = ("postal_code", "commune", "kind", "rooms")
"""What names a home (``domain/homes.py``), as unit events carry it."""


class UnitOwners(ScopedRepository[UnitOwner]):
    model = UnitOwner
    kind = "unit"

    async def remember(self, unit_id: uuid.UUID, owner_id: str, home: Mapping[str, Any] | None = None) -> None:
        """The unit's owner, as its latest event says, and what names the home when the event carries it (an
        event without it keeps what an earlier one said)."""
        named = {column: home[column] for column in HOME_COLUMNS if home and home.get(column) is not None}
        statement = insert(UnitOwner).values(unit_id=unit_id, owner_id=owner_id, **named)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[UnitOwner.unit_id], set_={"owner_id": owner_id, **named})
        )

    async def owner_of(self, unit_id: uuid.UUID) -> str | None:
        row = await self.find(unit_id)
        return row.owner_id if row is not None else None

    async def home_of(self, unit_id: uuid.UUID) -> dict[str, Any] | None:
        """What names the home (``None``: the service has not seen it named)."""
        row = await self.find(unit_id)
        if row is None or (row.commune is None and row.postal_code is None):
            return None
        return {column: getattr(row, column) for column in HOME_COLUMNS if getattr(row, column) is not None}


class PlacementOrgs(ScopedRepository[PlacementOrg]):
    model = PlacementOrg
    kind = "placement"

    async def remember(
        self, placement_id: uuid.UUID, org_id: str, household_id: uuid.UUID | None = None, unit_id: uuid.UUID | None = None
    ) -> None:
        """The placement's association (it never changes: the first event that names it wins), its household
        and its unit (kept once an event names them)."""
        statement = insert(PlacementOrg).values(placement_id=placement_id, org_id=org_id, household_id=household_id, unit_id=unit_id)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[PlacementOrg.placement_id],
                set_={
                    "household_id": sa.func.coalesce(PlacementOrg.household_id, statement.excluded.household_id),
                    "unit_id": sa.func.coalesce(PlacementOrg.unit_id, statement.excluded.unit_id),
                },
            )
        )

    async def org_of(self, placement_id: uuid.UUID) -> str | None:
        row = await self.find(placement_id)
        return row.org_id if row is not None else None

    async def household_of(self, placement_id: uuid.UUID) -> uuid.UUID | None:
        row = await self.find(placement_id)
        return row.household_id if row is not None else None

    async def forget_household(self, household_id: uuid.UUID) -> None:
        """An erased household is no longer found through its placements (nothing is told on its behalf)."""
        await self.session.execute(sa.update(PlacementOrg).where(PlacementOrg.household_id == household_id).values(household_id=None))

    async def unit_of(self, placement_id: uuid.UUID) -> uuid.UUID | None:
        row = await self.find(placement_id)
        return row.unit_id if row is not None else None
