"""Units no longer offered leave listings when their period is over (``domain/retention.py``): the row
is deleted, with the owner's subject, the street and the exact position. Nothing is published: the other
services' copies hold only the snapped position and the facts, and the unit's last event already told
them it is withdrawn or let. A shared home left without a room goes as well, once its own period is over."""

from __future__ import annotations

from abri_kit.usecase import Context
from abri_listings.db.repositories.shared_homes import SharedHomes
from abri_listings.db.repositories.units import Units
from abri_listings.domain.retention import NOT_OFFERED, RetentionPolicy


async def delete_lapsed(ctx: Context, policy: RetentionPolicy, batch: int = 200) -> int:
    """Delete up to ``batch`` units not offered whose period ended before ``ctx.now``; returns how many
    (units another replica is sweeping are skipped)."""
    units = Units.for_system(ctx.uow)
    lapsed = await units.lapsed(NOT_OFFERED, policy.changed_before(ctx.now), batch)
    await units.delete(lapsed)
    await SharedHomes.for_system(ctx.uow).delete_empty(policy.changed_before(ctx.now), batch)
    return len(lapsed)
