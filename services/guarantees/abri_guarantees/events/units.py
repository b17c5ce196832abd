"""Listings' unit events, handed to ``usecases/units.py``: the unit facts a policy needs, newest version wins."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.listings import UnitSnapshot, UnitWithdrawn
from abri_guarantees.usecases import units
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context


async def on_unit_snapshot(session: AsyncSession, event: ReceivedEvent[UnitSnapshot], *, clock: Clock = system_clock) -> None:
    """A unit published, updated, reserved, let, published again or back to draft at its lease's end (its step named
    by the event's type)."""
    ctx = Context.of_system(session, event.envelope.time)
    await units.unit_changed(ctx, event.data, event.envelope.type, clock())


async def on_unit_withdrawn(session: AsyncSession, event: ReceivedEvent[UnitWithdrawn], *, clock: Clock = system_clock) -> None:
    """A unit off the market."""
    await units.unit_withdrawn(Context.of_system(session, event.envelope.time), event.data, clock())
