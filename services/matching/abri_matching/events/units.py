"""Listings' unit events → matching's read model of units (``usecases/unit_view.py``), newest version
wins; the service's clock says when each was applied."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.listings import UnitSnapshot, UnitWithdrawn
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context
from abri_matching.usecases import unit_view

IMPLIED = {"published": "published", "updated": "published", "republished": "published", "reserved": "reserved", "let": "let"}
"""The unit's status each event implies, by its type's name (an older producer sends no status)."""


async def on_unit_snapshot(session: AsyncSession, event: ReceivedEvent[UnitSnapshot], *, clock: Clock = system_clock) -> None:
    """Published, updated, reserved, let, republished: the snapshot, with the status the event implies."""
    status = event.data.status or IMPLIED[event.envelope.type.split(".")[3]]
    await unit_view.apply_snapshot(Context.of_system(session, event.envelope.time), event.data, status, clock())


async def on_unit_withdrawn(session: AsyncSession, event: ReceivedEvent[UnitWithdrawn], *, clock: Clock = system_clock) -> None:
    """Withdrawn (or back to draft): out of every pool; the snapshot when the event carries it."""
    await unit_view.apply_withdrawal(Context.of_system(session, event.envelope.time), event.data, clock())
