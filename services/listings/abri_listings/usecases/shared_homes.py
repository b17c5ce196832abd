"""An owner's shared homes (a home let room by room, loi 89-462, art. 8-1) and their rooms.

A home holds what its rooms share: the address, the energy diagnosis, the letting schemes, the whole home's
area and main rooms, its shared spaces, the lease form and the house rules. Each room is a unit of kind
``room`` of its own (published, reserved and let one by one through ``usecases/units.py``), carrying a copy of
its home's shared facts, written here whenever the home or the room changes. A room's facts change only here;
its draft and published rooms take the home's new facts, while a reserved or let room keeps those its placement
agreed on. Every change locks the home and its rooms first (``SharedHomes.lock``).
"""

from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any

from abri_contracts.listings import UnitUpdated
from abri_kit.errors import Conflict, Refused
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_kit.versions import require_version
from abri_listings.db.models import SharedHome, Unit
from abri_listings.db.repositories.shared_homes import SharedHomes
from abri_listings.db.repositories.units import Units
from abri_listings.domain.lifecycle import UnitStatus
from abri_listings.usecases.place import settle_place
from abri_listings.usecases.publishing import policy, stamp_energy_cost
from abri_listings.usecases.unit_events import unit_event
from abri_listings.usecases.units import refuse_if_not_publishable

SHARED = (
    "street", "postal_code", "commune", "insee_code", "departement", "latitude", "longitude", "public_latitude", "public_longitude",
    "position_grid_deg", "floor", "elevator", "energy_class", "primary_energy_kwh", "emissions_kg", "final_energy_kwh", "main_energy",
    "dpe_date", "schemes",
)  # fmt: skip
"""The facts a room takes from its home."""

EDITABLE = (UnitStatus.DRAFT.value, UnitStatus.PUBLISHED.value)


async def create_home(ctx: Context, draft: dict[str, Any]) -> SharedHome:
    """A new shared home of the caller's, its place settled against the commune table; no room yet."""
    home = SharedHomes.of(ctx).add(
        SharedHome(id=uuid.uuid4(), owner_id=ctx.principal.subject, facts=_settled(draft), created_at=ctx.now, updated_at=ctx.now)
    )
    home.rooms = []
    await ctx.uow.flush()
    return home


async def list_homes(ctx: Context, page: PageRequest) -> tuple[list[SharedHome], str | None]:
    return await SharedHomes.of(ctx).page_of_mine(page)


async def read_home(ctx: Context, home_id: uuid.UUID) -> SharedHome:
    """One of the caller's homes (ops: any); anyone else's is 404."""
    return await SharedHomes.of(ctx).get(home_id)


async def edit_home(ctx: Context, home_id: uuid.UUID, draft: dict[str, Any], if_match: str | None) -> SharedHome:
    """Replace a home's facts and copy them to its draft and published rooms (a reserved or let room keeps what its
    placement agreed on); refused when a published room would then fail a rule (nothing changes)."""
    home = await SharedHomes.of(ctx).get(home_id, for_update=True)
    await SharedHomes.of(ctx).lock(home.id)
    require_version("shared home", home.version, if_match)
    home.facts = _settled(draft, stored=home)
    home.updated_at = ctx.now
    for room in home.rooms:
        if room.status in EDITABLE:  # a reserved or let room keeps the facts its placement agreed on
            _copy_home(room, home)
            await _save_room(ctx, room)
    await ctx.uow.flush("the shared home")
    return home


async def add_room(ctx: Context, home_id: uuid.UUID, draft: dict[str, Any]) -> Unit:
    """A new draft room of the caller's home (a unit of kind ``room``), with its home's shared facts."""
    home = await SharedHomes.of(ctx).get(home_id, for_update=True)
    await SharedHomes.of(ctx).lock(home.id)
    room = Units.of(ctx).add(
        Unit(
            id=uuid.uuid4(),
            owner_id=ctx.principal.subject,
            status=UnitStatus.DRAFT.value,
            created_at=ctx.now,
            updated_at=ctx.now,
            kind="room",
            rooms=1,
            home_id=home.id,
            home=home,
            **draft,
        )
    )
    _copy_home(room, home)
    stamp_energy_cost(room)
    home.updated_at = ctx.now  # the home's version moves with its set of rooms
    await ctx.uow.flush("the shared home")
    return room


async def edit_room(ctx: Context, home_id: uuid.UUID, unit_id: uuid.UUID, draft: dict[str, Any], if_match: str | None) -> Unit:
    """Replace a draft or published room's own facts (a published one must still pass every rule)."""
    await SharedHomes.of(ctx).get(home_id)  # someone else's home: 404
    await SharedHomes.of(ctx).lock(home_id)
    room = await Units.of(ctx).get(unit_id, for_update=True)
    if room.home_id != home_id:
        raise Conflict("this unit is not a room of that home")
    require_version("unit", room.version, if_match)
    if room.status not in (UnitStatus.DRAFT.value, UnitStatus.PUBLISHED.value):
        raise Conflict(f"a {room.status} room cannot be edited")
    for name, value in draft.items():
        setattr(room, name, value)
    assert room.home is not None
    _copy_home(room, room.home)
    await _save_room(ctx, room)
    return room


def _copy_home(room: Unit, home: SharedHome) -> None:
    facts = home.facts
    for name in SHARED:
        setattr(room, name, facts.get(name))
    room.dpe_date = date.fromisoformat(facts["dpe_date"])


async def _save_room(ctx: Context, room: Unit) -> None:
    if room.status == UnitStatus.PUBLISHED.value:
        try:
            refuse_if_not_publishable(ctx, room)
        except Refused as refused:  # name the room, whose rule failed (a home's edit judges each published room)
            errors = [{**error, "room_id": str(room.id), "room": room.label} for error in refused.extra.get("errors", [])]
            raise Refused(f"{room.label or room.id}: {refused.detail}", title="Not publishable", errors=errors) from refused
    room.updated_at = ctx.now
    stamp_energy_cost(room)
    await ctx.uow.flush("the room")
    if room.status == UnitStatus.PUBLISHED.value:
        await ctx.uow.publish(unit_event(UnitUpdated, room), at=ctx.now)


def _settled(draft: dict[str, Any], stored: SharedHome | None = None) -> dict[str, Any]:
    """The home's draft with its place settled (commune, département, position and its public copy), as JSON."""
    previous = SimpleNamespace(**stored.facts) if stored is not None else None
    settled = settle_place(dict(draft), policy(), stored=previous)
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in settled.items()}
