"""Snapping the stored public position (what the search reads) of units that are not on the policy's grid:
after the grid is changed, and the rows a version before the columns wrote or moved (``db/models.py``,
migration 0010). Units are written with their public position (``place.py``), so this usually finds nothing.
Nothing is published: events snap the position themselves (``unit_events.py``)."""

from __future__ import annotations

from abri_kit.usecase import Context
from abri_listings.db.repositories.units import Units
from abri_listings.domain.position import public_position_of


async def snap_off_grid(ctx: Context, grid_deg: float, batch: int = 1000) -> int:
    """Snap up to ``batch`` units not on ``grid_deg``; returns how many (those another replica holds are skipped)."""
    units = Units.for_system(ctx.uow)
    found = await units.off_grid(grid_deg, batch)
    await units.set_public_positions([{"id": unit_id, **public_position_of(lat, lon, grid_deg)} for unit_id, lat, lon in found])
    return len(found)
