"""What the guarantees service knows of other services (units, placements), written by their events.
An association's social workers see the placements of their association; units are read for the service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.read_models import InventoryView, PlacementView, UnitFacts
from abri_guarantees.db.repositories.scoping import ByRole, Whose
from abri_kit.repository import ScopedRepository
from abri_kit.usecase import UnitOfWork


class Placements(ByRole[PlacementView]):
    model = PlacementView
    kind = "placement"
    seen_by_role: ClassVar[dict[str, tuple[str, Whose]]] = {"social_worker": ("org_id", "org")}

    async def record_request(self, values: dict[str, Any]) -> None:
        """A placement that asks for a guarantee; one already known is left as it is."""
        statement = insert(PlacementView).values(**values)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=[PlacementView.placement_id]))


class Units(ScopedRepository[UnitFacts]):
    """Units' facts, as listings' events carry them: read by the service for a file's pre-check."""

    model = UnitFacts
    kind = "unit"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None or not writing else sa.false()

    async def upsert(self, values: dict[str, Any]) -> None:
        """Insert, or update a row holding an older version; a same or newer version changes nothing."""
        statement = insert(UnitFacts).values(**values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[UnitFacts.unit_id],
                set_={name: statement.excluded[name] for name in values if name != "unit_id"},
                where=UnitFacts.version < statement.excluded.version,
            )
        )


class SignedInventories:
    """The inventories matching's parties signed, for the service itself (a claim of the caller's was found first)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def for_system(cls, uow: UnitOfWork) -> SignedInventories:
        return cls(uow.session)

    async def record(self, values: dict[str, Any]) -> None:
        """An inventory both parties signed; one already known for its placement and kind is left as it is."""
        await self.session.execute(insert(InventoryView).values(**values).on_conflict_do_nothing())

    async def of_placement(self, placement_id: uuid.UUID) -> dict[str, InventoryView]:
        """The placement's inventories, by kind."""
        rows = await self.session.scalars(sa.select(InventoryView).where(InventoryView.placement_id == placement_id))
        return {row.kind: row for row in rows}

    async def delete_unneeded(self, signed_before: datetime, batch: int) -> int:
        """Delete up to ``batch`` inventories signed before ``signed_before`` whose placement has no guarantee file
        left with its data (none, or every one erased): no damage claim can need them any more; how many."""
        live_file = sa.exists().where(GuaranteeFile.placement_id == InventoryView.placement_id, GuaranteeFile.personal.is_not(None))
        unneeded = (
            sa.select(InventoryView.inventory_id)
            .where(InventoryView.signed_at < signed_before, ~live_file)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        deleted = await self.session.execute(
            sa.delete(InventoryView).where(InventoryView.inventory_id.in_(unneeded)).returning(InventoryView.inventory_id)
        )
        return len(deleted.all())

    async def by_ids(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, InventoryView]:
        rows = await self.session.scalars(sa.select(InventoryView).where(InventoryView.inventory_id.in_(ids)))
        return {row.inventory_id: row for row in rows}
