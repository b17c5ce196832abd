"""What listings does when a placement moves (matching's events): reserve, let, publish again, and back to
draft when the lease ended.

Each runs in the consumer's transaction with the inbox row, so a redelivered event (same id) is skipped
by the inbox; and each checks the unit's state and placement, so a replayed step under another id, or a
step for a placement the unit is not held for, changes nothing (it is logged, with ids only). ``ctx.now``
is when the step happened (the event's time); the unit's ``updated_at`` is when this row changed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime

from abri_contracts.listings import UnitLeaseEnded, UnitLet, UnitRepublished, UnitReserved
from abri_kit.usecase import Context
from abri_listings.db.models import Unit
from abri_listings.db.repositories.units import Units
from abri_listings.domain.lifecycle import Transition, UnitStatus, next_status
from abri_listings.usecases.publishing import failed_rules
from abri_listings.usecases.unit_events import note_withdrawal, unit_event, withdrawn_event

log = logging.getLogger(__name__)


async def _unit(ctx: Context, step: str, placement_id: uuid.UUID, unit_id: uuid.UUID) -> Unit | None:
    unit = await Units.for_system(ctx.uow).find(unit_id, for_update=True)
    if unit is None:
        log.warning("%s: placement %s names unknown unit %s: ignored", step, placement_id, unit_id)
    return unit


def _ignored(step: str, placement_id: uuid.UUID, unit: Unit, why: str) -> None:
    log.warning("%s for placement %s: unit %s is %s (%s): ignored", step, placement_id, unit.id, unit.status, why)


async def _freed(ctx: Context, step: str, placement_id: uuid.UUID, unit_id: uuid.UUID, held: UnitStatus) -> Unit | None:
    """The unit ``held`` (reserved or let) for this placement, no longer held for it nor readable by its association;
    ``None`` (logged) when it is unknown or not held so for it: a replay, or another placement's unit."""
    unit = await _unit(ctx, step, placement_id, unit_id)
    if unit is None:
        return None
    if unit.status != held.value or unit.placement_id != placement_id:
        _ignored(step, placement_id, unit, f"not {held.value} for this placement")
        return None
    unit.placement_id = None
    unit.placement_org_id = None
    return unit


async def _move(ctx: Context, unit: Unit, transition: Transition, changed_at: datetime) -> None:
    unit.status = next_status(UnitStatus(unit.status), transition).value
    unit.updated_at = changed_at
    await ctx.uow.flush("the unit")  # bumps the version the event carries


async def reserve(ctx: Context, placement_id: uuid.UUID, unit_id: uuid.UUID, org_id: str, processed_at: datetime) -> None:
    """The owner accepted: a published unit is reserved for this placement, and its association
    (``org_id``) may read the unit's exact location from now on."""
    unit = await _unit(ctx, "reserve", placement_id, unit_id)
    if unit is None or unit.placement_id == placement_id:
        return  # unknown, or already reserved (or let) for this placement: a replay
    if unit.status != UnitStatus.PUBLISHED.value:
        _ignored("reserve", placement_id, unit, "only a published unit can be reserved")
        return
    unit.placement_id = placement_id
    unit.placement_org_id = org_id
    await _move(ctx, unit, Transition.RESERVE, processed_at)
    await ctx.uow.publish(unit_event(UnitReserved, unit, placement_id=placement_id), at=ctx.now)


async def let(ctx: Context, placement_id: uuid.UUID, unit_id: uuid.UUID, processed_at: datetime) -> None:
    """The lease is signed: the unit reserved for this placement is let."""
    unit = await _unit(ctx, "let", placement_id, unit_id)
    if unit is None or (unit.status == UnitStatus.LET.value and unit.placement_id == placement_id):
        return
    if unit.status != UnitStatus.RESERVED.value or unit.placement_id != placement_id:
        _ignored("let", placement_id, unit, "not reserved for this placement")
        return
    await _move(ctx, unit, Transition.LET, processed_at)
    await ctx.uow.publish(unit_event(UnitLet, unit, placement_id=placement_id), at=ctx.now)


async def release(ctx: Context, placement_id: uuid.UUID, unit_id: uuid.UUID, clock: Callable[[], datetime]) -> None:
    """The placement ended: the unit held for it is published again, or goes back to its owner as a draft
    (and leaves the read models) if a publishing rule now refuses it. The unit is offered again from the
    moment this runs, so it is judged on that day's rules where it stands (a ban may have begun since the event)."""
    unit = await _freed(ctx, "release", placement_id, unit_id, UnitStatus.RESERVED)
    if unit is None:
        return
    processed_at = clock()
    failures = failed_rules(unit, processed_at)
    if failures:
        note_withdrawal(unit, processed_at, [f.rule for f in failures])
        await _move(ctx, unit, Transition.RETURN_TO_DRAFT, processed_at)
        await ctx.uow.publish(withdrawn_event(unit), at=processed_at)
        return
    await _move(ctx, unit, Transition.REPUBLISH, processed_at)
    await ctx.uow.publish(unit_event(UnitRepublished, unit, placement_id=placement_id), at=processed_at)


async def lease_ended(ctx: Context, placement_id: uuid.UUID, unit_id: uuid.UUID, ended_on: date, processed_at: datetime) -> None:
    """The lease of the placement the unit is let to ended (a sliding lease too, slid or not: the home is empty
    either way): the unit goes back to its owner as a draft, to check its rent, availability and diagnoses and
    publish it again (publishing judges every rule on that day). Its association no longer reads its exact
    location. A unit not let to this placement (unknown, already back to draft, let again since) changes nothing."""
    unit = await _freed(ctx, "lease_ended", placement_id, unit_id, UnitStatus.LET)
    if unit is None:
        return
    await _move(ctx, unit, Transition.LEASE_ENDED, processed_at)
    await ctx.uow.publish(unit_event(UnitLeaseEnded, unit, placement_id=placement_id, ended_on=ended_on), at=processed_at)
