"""The repositories of the service's read models (``db/read_models.py``): only its event handlers reach
them (``for_system``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.repository import ScopedRepository
from abri_notifications.db.read_models import AwaitingEvent, PlacementOrg, UnitOwner

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


class AwaitingEvents(ScopedRepository[AwaitingEvent]):
    """Events waiting for the unit or placement that leads to their recipient (``db/read_models.py``)."""

    model = AwaitingEvent
    kind = "awaiting event"

    async def wait(
        self, event_id: str, event_type: str, data: dict[str, Any], happened_at: datetime, processed_at: datetime, waits_for: str
    ) -> None:
        """Keep the event until ``waits_for`` is learned (the same event kept again waits for the new key)."""
        statement = insert(AwaitingEvent).values(
            event_id=event_id, event_type=event_type, data=data, happened_at=happened_at, processed_at=processed_at, waits_for=waits_for
        )
        await self.session.execute(statement.on_conflict_do_update(index_elements=[AwaitingEvent.event_id], set_={"waits_for": waits_for}))

    async def release(self, waits_for: str) -> list[AwaitingEvent]:
        """Take (delete and return) the events waiting for ``waits_for``, oldest first."""
        taken = sa.delete(AwaitingEvent).where(AwaitingEvent.waits_for == waits_for).returning(AwaitingEvent)
        rows = list((await self.session.scalars(taken)).all())
        return sorted(rows, key=lambda row: row.happened_at)

    async def drop_older_than(self, before: datetime, batch: int) -> int:
        """Forget up to ``batch`` events that waited since before ``before`` (their unit or placement never came)."""
        lapsed = sa.select(AwaitingEvent.event_id).where(AwaitingEvent.happened_at < before).limit(batch).with_for_update(skip_locked=True)
        done = await self.session.execute(sa.delete(AwaitingEvent).where(AwaitingEvent.event_id.in_(lapsed)))
        return int(done.rowcount or 0)  # type: ignore[attr-defined]
