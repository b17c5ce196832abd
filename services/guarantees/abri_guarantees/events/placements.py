"""Matching's placement events, handed to ``usecases/placements.py``: each step is dated by the event's
own time (or the decision's, in its data); the clock says only when it was processed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.inventories import InventorySigned
from abri_contracts.matching import GuaranteeRequested, LeaseSigned, PlacementFellThrough
from abri_guarantees.usecases import inventories, placements
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context


async def on_guarantee_requested(session: AsyncSession, event: ReceivedEvent[GuaranteeRequested], *, clock: Clock = system_clock) -> None:
    """A placement asks for a guarantee: it waits for a file."""
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await placements.guarantee_requested(
        ctx, data.placement_id, data.org_id, data.unit_id, data.requested_at, clock(), household_id=data.household_id
    )


async def on_lease_signed(session: AsyncSession, event: ReceivedEvent[LeaseSigned], *, clock: Clock = system_clock) -> None:
    """The lease is signed: the approved file's guarantee is activated, or refused."""
    data = event.data
    await placements.lease_signed(
        Context.of_system(session, event.envelope.time),
        data.placement_id,
        signed_at=data.signed_at,
        signed_on=data.signed_on,
        lease_starts_on=data.lease_starts_on,
        rent_cents=data.rent_cents,
        charges_cents=data.charges_cents,
    )


async def on_fell_through(session: AsyncSession, event: ReceivedEvent[PlacementFellThrough], *, clock: Clock = system_clock) -> None:
    """The placement ended before a lease: its files close, an approved file's visa is revoked."""
    data = event.data
    await placements.fell_through(
        Context.of_system(session, event.envelope.time), data.placement_id, ended_at=data.ended_at, reason=data.reason
    )


async def on_inventory_signed(session: AsyncSession, event: ReceivedEvent[InventorySigned], *, clock: Clock = system_clock) -> None:
    """Both parties signed an inventory: kept for a damage claim on the placement's guarantee."""
    await inventories.inventory_signed(Context.of_system(session, event.envelope.time), event.data)
