"""Listings' unit events → matching's read model of units (``usecases/unit_view.py``), newest version
wins; the service's clock says when each was applied."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.listings import UnitSnapshot, UnitWithdrawn, status_after
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context
from abri_matching.usecases import unit_view


async def on_unit_snapshot(session: AsyncSession, event: ReceivedEvent[UnitSnapshot], *, clock: Clock = system_clock) -> None:
    """Published, updated, reserved, let, republished, back to draft at a lease's end: the snapshot, with the status
    the event implies (a draft is in no pool: only a published unit is offered)."""
    status = status_after(event.data, event.envelope.type)
    await unit_view.apply_snapshot(Context.of_system(session, event.envelope.time), event.data, status, clock())


async def on_unit_withdrawn(session: AsyncSession, event: ReceivedEvent[UnitWithdrawn], *, clock: Clock = system_clock) -> None:
    """Withdrawn (or back to draft): out of every pool; the snapshot when the event carries it."""
    await unit_view.apply_withdrawal(Context.of_system(session, event.envelope.time), event.data, clock())
