"""Inventories and their photos, scoped as their placement: its association, its owner, its household's own
account; anyone else none (404)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import defer

from abri_kit.repository import ScopedRepository
from abri_matching.db.inventories import Inventory, InventoryPhoto
from abri_matching.db.repositories.placements import own_household


class Inventories(ScopedRepository[Inventory]):
    model = Inventory
    owner_column = "owner_id"
    org_column = "org_id"
    kind = "inventory"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        scoped = super()._filter(writing=writing)
        return scoped if self.principal is None else sa.or_(scoped, own_household(self.principal, Inventory.household_id))

    async def of_placement(self, placement_id: uuid.UUID) -> list[Inventory]:
        """The placement's inventories the caller may see, move-in first."""
        rows = await self.session.scalars(self.select().where(Inventory.placement_id == placement_id).order_by(Inventory.kind))
        return list(rows.all())

    async def of_household(self, household_id: uuid.UUID) -> list[Inventory]:
        """Every inventory of the household's placements the caller may see (its export), oldest first."""
        rows = await self.session.scalars(
            self.select().where(Inventory.household_id == household_id).order_by(Inventory.created_at, Inventory.id)
        )
        return list(rows.all())

    async def photos_of(self, inventory_id: uuid.UUID) -> list[InventoryPhoto]:
        """An inventory's photos (the caller found the inventory first), oldest first."""
        rows = await self.session.scalars(
            sa.select(InventoryPhoto)
            .options(defer(InventoryPhoto.data, raiseload=True))  # the sealed bytes only where a photo is opened
            .where(InventoryPhoto.inventory_id == inventory_id)
            .order_by(InventoryPhoto.added_at, InventoryPhoto.id)
        )
        return list(rows.all())

    async def sealed_photos(self, inventory_id: uuid.UUID) -> dict[uuid.UUID, bytes]:
        """An inventory's photos' sealed bytes, by photo (for its PDF)."""
        rows = await self.session.execute(
            sa.select(InventoryPhoto.id, InventoryPhoto.data).where(InventoryPhoto.inventory_id == inventory_id)
        )
        return {row[0]: row[1] for row in rows}

    async def photo(self, inventory_id: uuid.UUID, photo_id: uuid.UUID) -> InventoryPhoto | None:
        found: InventoryPhoto | None = await self.session.scalar(
            sa.select(InventoryPhoto).where(InventoryPhoto.inventory_id == inventory_id, InventoryPhoto.id == photo_id)
        )
        return found

    async def drop_photos(self, inventory_id: uuid.UUID, keep_items: Sequence[uuid.UUID]) -> None:
        """Delete the photos of items the inventory no longer has."""
        await self.session.execute(
            sa.delete(InventoryPhoto).where(InventoryPhoto.inventory_id == inventory_id, InventoryPhoto.item_id.not_in(list(keep_items)))
        )
