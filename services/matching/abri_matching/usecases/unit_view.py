"""Listings' unit events → matching's read model of units (``db/units.py``): the newest version wins,
so a duplicate, late or reordered event changes nothing. ``processed_at`` (the service's clock) says
when this service applied it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from abri_contracts.listings import UnitSnapshot, UnitWithdrawn
from abri_kit.calendar import local_day
from abri_kit.usecase import Context
from abri_matching.db.repositories.units import SNAPSHOT_COLUMNS, Units
from abri_matching.db.units import UnitView

WITHDRAWN = "withdrawn"


def home_day(unit: UnitView | None, moment: datetime) -> date:
    """The calendar day of ``moment`` where the unit stands: every rule about a home (its ban, its DPE, its
    lease's dates) is judged on that day, an overseas home's in its own zone (``abri_kit.calendar.local_day``);
    metropolitan France's for a unit the read model does not hold."""
    return local_day(moment, unit.departement if unit is not None else None)


def _row(snapshot: UnitSnapshot, status: str) -> dict[str, Any]:
    values = snapshot.model_dump()
    row = {name: values.get(name) for name in SNAPSHOT_COLUMNS}
    row["status"] = status
    row["accessibility"] = list(values.get("accessibility") or [])
    row["schemes"] = list(values.get("schemes") or [])
    row["letting_ban_known"] = "letting_banned_from" in snapshot.model_fields_set  # sent, even as null: a producer of issue 18 or later
    row["energy_cost_cents"] = snapshot.energy_cost.monthly_cents if snapshot.energy_cost is not None else None
    row["shared_home"] = snapshot.shared_home.model_dump(mode="json") if snapshot.shared_home is not None else None
    return row


async def apply_snapshot(ctx: Context, snapshot: UnitSnapshot, status: str, processed_at: datetime) -> None:
    """Published, updated, reserved, let, republished: the snapshot, with the unit's ``status``."""
    await Units.for_system(ctx.uow).apply(_row(snapshot, status), changed_at=processed_at)


async def apply_withdrawal(ctx: Context, withdrawn: UnitWithdrawn, processed_at: datetime) -> None:
    """Withdrawn (or back to draft): out of every pool; the snapshot when the event carries it."""
    units = Units.for_system(ctx.uow)
    if withdrawn.unit is not None:
        await units.apply(_row(withdrawn.unit, WITHDRAWN), changed_at=processed_at)
        return
    minimal = {name: None for name in SNAPSHOT_COLUMNS} | {
        "unit_id": withdrawn.unit_id,
        "version": withdrawn.version,
        "owner_id": withdrawn.owner_id,
        "letting_ban_known": False,
    }
    await units.apply({**minimal, "status": WITHDRAWN, "accessibility": [], "schemes": []}, changed_at=processed_at, full=False)
