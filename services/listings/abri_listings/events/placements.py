"""Matching's placement steps, handed to the use cases that reserve, let, publish a unit again or put it back
to draft when its lease ended (``usecases/placements.py``): each step is dated by the event's own time, the
clock says when it ran."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.matching import LeaseEnded, LeaseSigned, PlacementAccepted, PlacementFellThrough
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context
from abri_listings.usecases import placements


async def on_accepted(session: AsyncSession, event: ReceivedEvent[PlacementAccepted], *, clock: Clock = system_clock) -> None:
    """The owner accepted: the unit is reserved for the placement."""
    ctx = Context.of_system(session, event.envelope.time)
    await placements.reserve(ctx, event.data.placement_id, event.data.unit_id, event.data.org_id, clock())


async def on_lease_signed(session: AsyncSession, event: ReceivedEvent[LeaseSigned], *, clock: Clock = system_clock) -> None:
    """The lease is signed: the unit is let."""
    ctx = Context.of_system(session, event.envelope.time)
    await placements.let(ctx, event.data.placement_id, event.data.unit_id, clock())


async def on_fell_through(session: AsyncSession, event: ReceivedEvent[PlacementFellThrough], *, clock: Clock = system_clock) -> None:
    """The placement ended: the unit is offered again (or goes back to its owner as a draft)."""
    ctx = Context.of_system(session, event.envelope.time)
    await placements.release(ctx, event.data.placement_id, event.data.unit_id, clock)


async def on_lease_ended(session: AsyncSession, event: ReceivedEvent[LeaseEnded], *, clock: Clock = system_clock) -> None:
    """The lease ended (slid or not): the unit is back to draft, for its owner to offer it again."""
    ctx = Context.of_system(session, event.envelope.time)
    await placements.lease_ended(ctx, event.data.placement_id, event.data.unit_id, event.data.ended_on, clock())
