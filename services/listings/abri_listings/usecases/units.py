"""An owner's units: create a draft, read, list, edit, publish, withdraw.

Every rule that decides whether a unit may be offered (``domain/rules.py``) is judged here, on the day
of the request where the home stands (``publishing.local_today``: overseas, its own zone), whether the
change comes from the owner's form or from the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from abri_contracts.listings import UnitPublished, UnitUpdated
from abri_kit.errors import Conflict, Refused
from abri_kit.legal import coded_error
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_kit.versions import require_version
from abri_listings.db.models import Unit
from abri_listings.db.repositories.shared_homes import SharedHomes
from abri_listings.db.repositories.units import UnitLocations, Units
from abri_listings.domain.lifecycle import InvalidTransition, Transition, UnitStatus, next_status
from abri_listings.usecases.place import settle_place
from abri_listings.usecases.publishing import failed_rules, policy, stamp_energy_cost
from abri_listings.usecases.unit_events import clear_withdrawal, note_withdrawal, unit_event, withdrawn_event


async def create_unit(ctx: Context, facts: dict[str, Any]) -> Unit:
    """A new draft of the caller's, with ``facts`` (the draft's validated fields), its place settled against
    the commune table (``place.py``)."""
    facts = settle_place(facts, policy())
    unit = Units.of(ctx).add(
        Unit(
            id=uuid.uuid4(), owner_id=ctx.principal.subject, status=UnitStatus.DRAFT.value, created_at=ctx.now, updated_at=ctx.now, **facts
        )
    )
    stamp_energy_cost(unit)
    await ctx.uow.flush()
    return unit


async def list_units(ctx: Context, page: PageRequest) -> tuple[list[Unit], str | None]:
    """One page of the caller's own units, oldest first."""
    return await Units.of(ctx).page_of_mine(page)


async def read_unit(ctx: Context, unit_id: uuid.UUID) -> Unit:
    """One of the caller's units (ops: any)."""
    return await Units.of(ctx).get(unit_id)


async def read_location(ctx: Context, unit_id: uuid.UUID) -> Unit:
    """A unit's exact location (street, position to the metre): for its owner, or, once the owner accepted
    a placement, for the association that carries it (anyone else: 404). Everyone else sees the position
    snapped to about 200 m (``domain/position.py``)."""
    return await UnitLocations.of(ctx).get(unit_id)


async def edit_unit(ctx: Context, unit_id: uuid.UUID, facts: dict[str, Any], if_match: str | None) -> Unit:
    """Replace a draft's or a published unit's facts; a published one must still pass every rule."""
    unit = await _to_change(ctx, unit_id, if_match)
    if unit.home_id is not None:
        raise Conflict("a room of a shared home is edited with its home (/v1/shared-homes/{home_id}/rooms/{unit_id})")
    if unit.status not in (UnitStatus.DRAFT.value, UnitStatus.PUBLISHED.value):
        raise Conflict(f"a {unit.status} unit cannot be edited")
    facts = settle_place(facts, policy(), stored=unit)
    for name, value in facts.items():
        setattr(unit, name, value)
    if unit.status == UnitStatus.PUBLISHED.value:
        refuse_if_not_publishable(ctx, unit)
    await _save(ctx, unit)
    if unit.status == UnitStatus.PUBLISHED.value:
        await ctx.uow.publish(unit_event(UnitUpdated, unit), at=ctx.now)
    return unit


async def publish_unit(ctx: Context, unit_id: uuid.UUID, if_match: str | None) -> Unit:
    """Offer a draft: every publishing rule is checked; a refusal names each failed rule and keeps the draft."""
    unit = await _to_change(ctx, unit_id, if_match)
    status = _transition(unit, Transition.PUBLISH)
    refuse_if_not_publishable(ctx, unit)
    unit.status = status.value
    unit.published_at = ctx.now
    clear_withdrawal(unit)
    await _save(ctx, unit)
    await ctx.uow.publish(unit_event(UnitPublished, unit), at=ctx.now)
    return unit


async def withdraw_unit(ctx: Context, unit_id: uuid.UUID, if_match: str | None) -> Unit:
    """Take a draft or published unit off the market (it leaves the searches); its withdrawal is its owner's."""
    unit = await _to_change(ctx, unit_id, if_match)
    was_published = unit.status == UnitStatus.PUBLISHED.value
    unit.status = _transition(unit, Transition.WITHDRAW).value
    note_withdrawal(unit, ctx.now)
    await _save(ctx, unit)
    if was_published:
        await ctx.uow.publish(withdrawn_event(unit), at=ctx.now)
    return unit


def refuse_if_not_publishable(ctx: Context, unit: Unit) -> None:
    """422 naming every rule the unit fails today where it stands (the transaction rolls back: nothing changes)."""
    failures = failed_rules(unit, ctx.now)
    if failures:
        raise Refused(
            f"{len(failures)} publishing rule(s) failed; nothing was changed",
            title="Not publishable",
            errors=[coded_error(f.rule, f.message, source=f.source, params=f.params, fields=f.fields) for f in failures],
        )


async def _to_change(ctx: Context, unit_id: uuid.UUID, if_match: str | None) -> Unit:
    """The caller's unit, locked for the change; a room of a shared home with its home and siblings locked and read
    again first (``SharedHomes.lock``), so that it is judged against its siblings as they are."""
    home_id = await Units.of(ctx).home_of(unit_id)  # the id alone: the unit itself is read once, locked, below
    if home_id is not None:
        await SharedHomes.for_system(ctx.uow).lock(home_id)
    unit = await Units.of(ctx).get(unit_id, for_update=True)
    require_version("unit", unit.version, if_match)
    return unit


def _transition(unit: Unit, move: Transition) -> UnitStatus:
    try:
        return next_status(UnitStatus(unit.status), move)
    except InvalidTransition as exc:
        raise Conflict(str(exc)) from exc


async def _save(ctx: Context, unit: Unit) -> None:
    unit.updated_at = ctx.now
    stamp_energy_cost(unit)
    await ctx.uow.flush("the unit")
