"""The inventories both parties of a lease signed (matching's ``placement.inventory_signed``), kept for damage
claims: a damage claim names its tenancy's move-in and move-out inventories, and the fund (and the owner)
sees them side by side, item by item (``abri_contracts.inventories.differences``, the comparison the parties
saw in matching)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from abri_contracts.inventories import Difference, InventoryRoom, InventorySigned, differences
from abri_guarantees.db.read_models import InventoryView
from abri_guarantees.db.repositories.guarantees import Claims
from abri_guarantees.db.repositories.read_models import SignedInventories
from abri_kit.errors import Problem
from abri_kit.usecase import Context


async def inventory_signed(ctx: Context, event: InventorySigned) -> None:
    """Keep an inventory both parties signed (a replay, or a second one of its kind, changes nothing)."""
    await SignedInventories.for_system(ctx.uow).record(
        {
            "inventory_id": event.inventory_id,
            "placement_id": event.placement_id,
            "kind": event.kind,
            "made_on": event.made_on,
            "signed_at": event.signed_at,
            "content_sha256": event.content_sha256,
            "rooms": [room.model_dump(mode="json") for room in event.rooms],
            "keys_handed": event.keys_handed,
        }
    )


@dataclass(frozen=True)
class SideBySide:
    move_in: InventoryView
    move_out: InventoryView
    rows: list[Difference]


def rooms(view: InventoryView) -> list[InventoryRoom]:
    return [InventoryRoom.model_validate(room) for room in view.rooms]


async def of_claim(ctx: Context, claim_id: uuid.UUID) -> SideBySide:
    """A damage claim's two inventories side by side (its owner or its fund); 404 when the claim names none."""
    claim = await Claims.of(ctx).get(claim_id)
    if claim.move_in_inventory_id is None or claim.move_out_inventory_id is None:
        raise Problem(404, "this claim names no inventories (it claims no damage, or was filed before they were kept)", title="Not found")
    found = await SignedInventories.for_system(ctx.uow).by_ids([claim.move_in_inventory_id, claim.move_out_inventory_id])
    move_in, move_out = found.get(claim.move_in_inventory_id), found.get(claim.move_out_inventory_id)
    if move_in is None or move_out is None:
        raise Problem(404, "this claim's inventories are no longer held", title="Not found")
    return SideBySide(move_in=move_in, move_out=move_out, rows=differences(rooms(move_in), rooms(move_out)))
