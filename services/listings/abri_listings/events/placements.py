"""What listings does when a placement moves (matching's events): reserve, let, publish again.

Each handler runs in the consumer's transaction with the inbox row, so a redelivered event (same id) is
skipped by the inbox; and each checks the unit's state and placement, so a replayed step under another
id, or a step for a placement the unit is not held for, changes nothing (it is logged, with ids only).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_bus.outbox import publish
from abri_contracts.listings import UnitLet, UnitRepublished, UnitReserved
from abri_contracts.matching import LeaseSigned, PlacementAccepted, PlacementEvent, PlacementFellThrough
from abri_kit.clock import day_in_france, system_clock
from abri_listings.db.models import Unit
from abri_listings.domain.lifecycle import Transition, UnitStatus, next_status
from abri_listings.events.snapshot import unit_event, withdrawn_event
from abri_listings.publishing import failed_rules

log = logging.getLogger(__name__)


async def _unit(session: AsyncSession, data: PlacementEvent) -> Unit | None:
    unit = await session.get(Unit, data.unit_id, with_for_update=True)
    if unit is None:
        log.warning("placement %s names unknown unit %s: ignored", data.placement_id, data.unit_id)
    return unit


def _ignored(event: ReceivedEvent[Any], unit: Unit, why: str) -> None:
    data = event.data
    log.warning("%s for placement %s: unit %s is %s (%s): ignored", event.envelope.type, data.placement_id, unit.id, unit.status, why)


async def _move(session: AsyncSession, unit: Unit, transition: Transition) -> None:
    unit.status = next_status(UnitStatus(unit.status), transition).value
    unit.updated_at = system_clock()  # when this row changed: now, even for an old event (an owner's later edit stays later)
    await session.flush()  # bumps the version the event carries


async def on_accepted(session: AsyncSession, event: ReceivedEvent[PlacementAccepted]) -> None:
    """The owner accepted: a published unit is reserved for this placement."""
    data = event.data
    unit = await _unit(session, data)
    if unit is None:
        return
    if unit.placement_id == data.placement_id:
        return  # already reserved (or let) for this placement: a replay
    if unit.status != UnitStatus.PUBLISHED.value:
        _ignored(event, unit, "only a published unit can be reserved")
        return
    unit.placement_id = data.placement_id
    await _move(session, unit, Transition.RESERVE)
    await publish(session, unit_event(UnitReserved, unit, placement_id=data.placement_id))


async def on_lease_signed(session: AsyncSession, event: ReceivedEvent[LeaseSigned]) -> None:
    """The lease is signed: the unit reserved for this placement is let."""
    data = event.data
    unit = await _unit(session, data)
    if unit is None or (unit.status == UnitStatus.LET.value and unit.placement_id == data.placement_id):
        return
    if unit.status != UnitStatus.RESERVED.value or unit.placement_id != data.placement_id:
        _ignored(event, unit, "not reserved for this placement")
        return
    await _move(session, unit, Transition.LET)
    await publish(session, unit_event(UnitLet, unit, placement_id=data.placement_id))


async def on_fell_through(session: AsyncSession, event: ReceivedEvent[PlacementFellThrough]) -> None:
    """The placement ended: the unit held for it is published again, or goes back to its owner as a
    draft (and leaves the read models) if a publishing rule now refuses it."""
    data = event.data
    unit = await _unit(session, data)
    if unit is None:
        return
    if unit.status != UnitStatus.RESERVED.value or unit.placement_id != data.placement_id:
        _ignored(event, unit, "not reserved for this placement")
        return
    unit.placement_id = None
    today = day_in_france(system_clock())  # the unit is offered again from now: judged on today's rules (a ban may have begun)
    if failed_rules(unit, today):
        await _move(session, unit, Transition.RETURN_TO_DRAFT)
        await publish(session, withdrawn_event(unit, system_clock()))
        return
    await _move(session, unit, Transition.REPUBLISH)
    await publish(session, unit_event(UnitRepublished, unit, placement_id=data.placement_id))
