"""Listings' unit events → the unit facts a policy needs (``db/read_models.py``), newest version wins.
``processed_at`` (the service's clock) is when this service wrote them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from abri_contracts.listings import UnitSnapshot, UnitWithdrawn, status_after
from abri_guarantees.db.repositories.read_models import Units
from abri_kit.usecase import Context


def _facts(unit: UnitSnapshot, status: str) -> dict[str, Any]:
    return {
        "unit_id": unit.unit_id,
        "version": unit.version,
        "owner_id": unit.owner_id,
        "status": status,
        "departement": unit.departement,
        "rent_cents": unit.rent_cents,
        "charges_cents": unit.charges_cents,
        "energy_class": unit.energy_class,
        "postal_code": unit.postal_code,
        "insee_code": unit.insee_code,
        "rooms": unit.rooms,
        "living_area_m2": unit.living_area_m2,
    }


async def unit_changed(ctx: Context, unit: UnitSnapshot, event_type: str, processed_at: datetime) -> None:
    """A unit published, updated, reserved, let, published again or back to draft (``event_type``: listings' event)."""
    facts = _facts(unit, status_after(unit, event_type))
    await Units.for_system(ctx.uow).upsert({**facts, "changed_at": processed_at})


async def unit_withdrawn(ctx: Context, withdrawn: UnitWithdrawn, processed_at: datetime) -> None:
    """A unit off the market: its facts stay (a file may still name them), marked withdrawn."""
    if withdrawn.unit is not None:
        facts = _facts(withdrawn.unit, "withdrawn")
    else:
        facts = {"unit_id": withdrawn.unit_id, "version": withdrawn.version, "owner_id": withdrawn.owner_id, "status": "withdrawn"}
    await Units.for_system(ctx.uow).upsert({**facts, "changed_at": processed_at})
