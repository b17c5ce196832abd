"""Move-in and move-out inventories of a placement's home: begun and filled by the landlord's side (or the
household, on the same phone), photos added to items, signed by both sides, then closed and published to the
fund (``InventorySigned``: rooms, items and conditions; never notes nor photos). The rules are
``domain/inventories.py``'s; the content and photos are sealed with the inventory's own key
(``inventory_sealing.py``). A person other than the household reading them is written to the household's
access log (purpose ``inventory``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from abri_auth.scoping import NotFound
from abri_contracts.inventories import Difference, InventoryItem, InventoryRoom, InventorySigned, differences
from abri_kit.envelope import KeyEncryption, Unreadable
from abri_kit.errors import Conflict, NotAllowed, Problem, Refused, Stale
from abri_kit.usecase import Context
from abri_matching.db.inventories import Inventory, InventoryPhoto
from abri_matching.db.placements import Placement
from abri_matching.db.repositories.access_log import AccessLog
from abri_matching.db.repositories.inventories import Inventories
from abri_matching.db.repositories.placements import Placements
from abri_matching.db.repositories.units import Units
from abri_matching.db.units import UnitView
from abri_matching.domain.inventories import (
    READ_PURPOSE,
    InventoryPolicy,
    OpeningFacts,
    Side,
    completion_open_until,
    completion_refusals,
    conforms,
    content_digest,
    content_refusals,
    deposit_due_by,
    landlord_roles,
    opening_refusals,
    signing_refusals,
)
from abri_matching.domain.leases import Refusal, refusal
from abri_matching.photos import PhotoRefused, cleaned
from abri_matching.usecases.inventory_sealing import key_of, new_key, open_content, open_photo, seal_content, seal_photo
from abri_matching.usecases.journey import ids
from abri_matching.usecases.unit_view import home_day


@dataclass(frozen=True)
class Comparison:
    """A move-out inventory beside its move-in one."""

    move_in_id: uuid.UUID
    move_in_made_on: date
    rows: list[Difference]
    conforming: bool
    deposit_due_by: date | None
    """Art. 22: once the move-out inventory is signed, the last day to return the deposit."""


@dataclass(frozen=True)
class InventoryView:
    inventory: Inventory
    content: dict[str, Any]
    photos: list[InventoryPhoto]
    sides: frozenset[Side]
    """The sides the caller may sign as (and so fill in)."""
    completion: dict[str, Any] | None = None
    completion_until: date | None = None
    comparison: Comparison | None = None
    sign_roles: frozenset[str] = field(default_factory=frozenset)
    """The roles that sign for the landlord under this lease."""


@dataclass(frozen=True)
class Printed:
    """What an inventory's PDF prints."""

    view: InventoryView
    photos: dict[str, list[bytes]]
    """Each item's photos (JPEG), opened, by item id."""
    unit: UnitView | None


async def _today(ctx: Context, placement: Placement) -> date:
    """The day where the home stands (an overseas home's own): the day every rule about it is judged on."""
    return home_day(await Units.for_system(ctx.uow).find(placement.unit_id), ctx.now)


def _established_on(inventory: Inventory, unit_day: Callable[[datetime], date]) -> date | None:
    """The day the second side signed (the inventory is established then), None while either has not."""
    if inventory.landlord_signed_at is None or inventory.household_signed_at is None:
        return None
    return unit_day(max(inventory.landlord_signed_at, inventory.household_signed_at))


MAX_COMPLETION_NOTES = 50


def _refuse(refusals: list[Refusal], what: str) -> None:
    if refusals:
        raise Refused(f"the inventory {what}: {'; '.join(r['message'] for r in refusals)}", errors=refusals)


def sides_of(ctx: Context, placement: Placement) -> frozenset[Side]:
    """The sides the caller may act for on the placement (it was found for the caller: its scope holds)."""
    principal = ctx.principal
    sides: set[Side] = set()
    if principal.has_role("household") and not principal.has_role("social_worker", "owner"):
        sides.add(Side.HOUSEHOLD)
    roles = landlord_roles(placement.lease_type, placement.lease_under_mandate, slid=placement.status == "slid")
    if any(principal.has_role(role) for role in roles):
        sides.add(Side.LANDLORD)
    return frozenset(sides)


def _stamp(placement: Placement) -> dict[str, Any]:
    return {"org_id": placement.org_id, "owner_id": placement.owner_id, "household_id": placement.household_id}


async def _log_read(ctx: Context, inventory: Inventory, placement: Placement) -> None:
    """A person other than the household reads what shows its home: the household's access log says who and when."""
    if Side.HOUSEHOLD not in sides_of(ctx, placement):
        await AccessLog.for_system(ctx.uow).append(inventory.household_id, ctx.principal, purpose=READ_PURPOSE, at=ctx.now)


def _photo_digests(photos: Sequence[InventoryPhoto]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for photo in photos:
        out.setdefault(str(photo.item_id), []).append(photo.sha256)
    return out


def _with_ids(content: dict[str, Any]) -> dict[str, Any]:
    """The content with an id for each item that came without one (a photo is attached to an item by its id)."""
    rooms = [
        {**room, "items": [{**item, "id": str(item.get("id") or uuid.uuid4())} for item in room.get("items", [])]}
        for room in content["rooms"]
    ]
    return {**content, "rooms": rooms}


async def begin(
    ctx: Context,
    keyring: KeyEncryption,
    policy: InventoryPolicy,
    placement_id: uuid.UUID,
    kind: str,
    made_on: date,
    content: dict[str, Any],
) -> InventoryView:
    """Begin the placement's move-in or move-out inventory (the landlord's side): 422 naming each rule it fails."""
    placement = await Placements.of(ctx).get(placement_id)
    sides = sides_of(ctx, placement)
    if Side.LANDLORD not in sides:
        raise NotAllowed(
            "the landlord's side begins an inventory: the owner, or the association under a sub-let, a sliding lease or a mandate"
        )
    inventories = Inventories.of(ctx)
    existing = {i.kind: i for i in await inventories.of_placement(placement.id)}
    move_in = existing.get("move_in")
    facts = OpeningFacts(
        kind=kind,
        made_on=made_on,
        today=await _today(ctx, placement),
        placement_status=placement.status,
        lease_signed_on=placement.lease_signed_on,
        existing_kinds=set(existing),
        move_in_made_on=move_in.made_on if move_in is not None else None,
        move_in_signed=move_in is None or move_in.signed,
        move_out_made_on=existing["move_out"].made_on if "move_out" in existing else None,
    )
    content = _with_ids(content)
    _refuse(opening_refusals(facts) + content_refusals(content["rooms"], policy), "cannot be begun")
    inventory_id = uuid.uuid4()
    key = await new_key(keyring, inventory_id)
    inventory = Inventory(
        id=inventory_id,
        placement_id=placement.id,
        kind=kind,
        made_on=made_on,
        content=seal_content(key, inventory_id, content),
        content_sha256=content_digest(content, {}),
        created_by=ctx.principal.subject,
        created_at=ctx.now,
        updated_at=ctx.now,
        **_stamp(placement),
    )
    inventories.add(inventory)
    try:
        await ctx.uow.flush("the inventory")
    except IntegrityError as exc:  # another begin of the same kind, at the same moment
        raise Conflict(f"the placement already has a {kind.replace('_', '-')} inventory", title="Inventory exists") from exc
    return await _view(ctx, keyring, inventory, placement, key=key, content=content, photos=[])


def _hidden_from(ctx: Context, placement: Placement) -> bool:
    """An owner who is not the household's landlord (a sub-let, a sliding lease: the association is) never sees its
    inventories: they name the household and show its home (and the scheme discloses neither to the owner)."""
    principal = ctx.principal
    lessor = "owner" in landlord_roles(placement.lease_type, placement.lease_under_mandate, slid=placement.status == "slid")
    return principal.has_role("owner") and not lessor and not principal.has_role("social_worker", "household")


async def _found(ctx: Context, inventory_id: uuid.UUID, *, for_update: bool = False) -> tuple[Inventory, Placement]:
    inventory = await Inventories.of(ctx).get(inventory_id, for_update=for_update)
    placement = await Placements.for_system(ctx.uow).get(inventory.placement_id)
    if _hidden_from(ctx, placement):
        raise NotFound("inventory", inventory_id)
    return inventory, placement


async def _key(keyring: KeyEncryption, inventory: Inventory) -> bytes:
    try:
        return await key_of(keyring, inventory.id)
    except Unreadable as exc:
        raise Problem(410, "this inventory's content was deleted at the end of its retention period", title="Gone") from exc


async def read(ctx: Context, keyring: KeyEncryption, policy: InventoryPolicy, inventory_id: uuid.UUID) -> InventoryView:
    inventory, placement = await _found(ctx, inventory_id)
    await _log_read(ctx, inventory, placement)
    return await _view(ctx, keyring, inventory, placement, policy=policy)


async def printed(ctx: Context, keyring: KeyEncryption, policy: InventoryPolicy, inventory_id: uuid.UUID) -> Printed:
    """An inventory with its photos opened and its home, for its PDF (the read logged as any other)."""
    inventory, placement = await _found(ctx, inventory_id)
    await _log_read(ctx, inventory, placement)
    key = await _key(keyring, inventory)
    view = await _view(ctx, keyring, inventory, placement, key=key, policy=policy)
    photos: dict[str, list[bytes]] = {}
    sealed = await Inventories.of(ctx).sealed_photos(inventory.id)
    for photo in view.photos:
        photos.setdefault(str(photo.item_id), []).append(open_photo(key, inventory.id, photo.id, sealed[photo.id]))
    return Printed(view=view, photos=photos, unit=await Units.for_system(ctx.uow).find(placement.unit_id))


async def of_placement(ctx: Context, placement_id: uuid.UUID) -> list[Inventory]:
    """The placement's inventories (their state, not their content), for a placement the caller may see."""
    placement = await Placements.of(ctx).get(placement_id)
    return [] if _hidden_from(ctx, placement) else await Inventories.of(ctx).of_placement(placement.id)


async def _editable(ctx: Context, inventory_id: uuid.UUID, version: int | None) -> tuple[Inventory, Placement]:
    inventory, placement = await _found(ctx, inventory_id, for_update=True)
    if not sides_of(ctx, placement):
        raise NotAllowed("only the two parties of the lease fill in its inventory")
    if inventory.signed:
        raise Conflict("both parties signed this inventory: it is closed", title="Inventory signed")
    if version is not None and version != inventory.version:
        raise Stale(f"the inventory is at version {inventory.version}, not {version}: read it again")
    return inventory, placement


def _unsign(inventory: Inventory) -> None:
    """The content changed: a signature of the former content no longer holds."""
    inventory.landlord_signed_by = inventory.landlord_signed_role = inventory.household_signed_by = None
    inventory.landlord_signed_at = inventory.household_signed_at = None


async def replace(
    ctx: Context,
    keyring: KeyEncryption,
    policy: InventoryPolicy,
    inventory_id: uuid.UUID,
    made_on: date,
    content: dict[str, Any],
    version: int | None = None,
) -> InventoryView:
    """Replace a draft's content (a signature given before is void: both sign again); the photos of items it no
    longer has are deleted."""
    inventory, placement = await _editable(ctx, inventory_id, version)
    others = [i for i in await Inventories.for_system(ctx.uow).of_placement(placement.id) if i.id != inventory.id]
    move_in = next((i for i in others if i.kind == "move_in"), None)
    move_out = next((i for i in others if i.kind == "move_out"), None)
    facts = OpeningFacts(
        kind=inventory.kind,
        made_on=made_on,
        today=await _today(ctx, placement),
        placement_status=placement.status,
        lease_signed_on=placement.lease_signed_on,
        existing_kinds=set(),
        move_in_made_on=move_in.made_on if move_in is not None and inventory.kind == "move_out" else None,
        move_in_signed=move_in is None or move_in.signed,
        move_out_made_on=move_out.made_on if move_out is not None and inventory.kind == "move_in" else None,
    )
    content = _with_ids(content)
    _refuse(opening_refusals(facts) + content_refusals(content["rooms"], policy), "cannot be changed so")
    inventories = Inventories.of(ctx)
    item_ids = [uuid.UUID(item["id"]) for room in content["rooms"] for item in room["items"]]
    await inventories.drop_photos(inventory.id, item_ids)
    photos = await inventories.photos_of(inventory.id)
    key = await _key(keyring, inventory)
    inventory.made_on = made_on
    inventory.content = seal_content(key, inventory.id, content)
    inventory.content_sha256 = content_digest(content, _photo_digests(photos))
    inventory.updated_at = ctx.now
    _unsign(inventory)
    await ctx.uow.flush("the inventory")
    await _log_read(ctx, inventory, placement)  # the answer shows it whole
    return await _view(ctx, keyring, inventory, placement, key=key, content=content, photos=photos, policy=policy)


async def add_photo(
    ctx: Context, keyring: KeyEncryption, policy: InventoryPolicy, inventory_id: uuid.UUID, item_id: uuid.UUID, raw: bytes
) -> InventoryPhoto:
    """Add a photo to an item of a draft, cleaned of its metadata (``photos.py``); 422 naming why it is refused."""
    inventory, _ = await _editable(ctx, inventory_id, None)
    key = await _key(keyring, inventory)
    content = open_content(key, inventory.id, inventory.content)
    if str(item_id) not in {item["id"] for room in content["rooms"] for item in room["items"]}:
        _refuse([refusal("unknown_item", "no item of this inventory has this id", fields=("item_id",))], "has no such item")
    inventories = Inventories.of(ctx)
    photos = await inventories.photos_of(inventory.id)
    if len(photos) >= policy.max_photos or sum(1 for p in photos if p.item_id == item_id) >= policy.max_photos_per_item:
        message = f"at most {policy.max_photos_per_item} photos an item and {policy.max_photos} an inventory"
        limits = {"max_per_item": policy.max_photos_per_item, "max": policy.max_photos}
        _refuse([refusal("too_many_photos", message, fields=("content",), **limits)], "is full")
    try:
        photo = await cleaned(raw, policy)
    except PhotoRefused as exc:
        _refuse([refusal(exc.rule, str(exc), fields=("content",), **exc.params)], "takes no such photo")
        raise  # _refuse raised already
    photo_id = uuid.uuid4()
    row = InventoryPhoto(
        id=photo_id,
        inventory_id=inventory.id,
        item_id=item_id,
        sha256=photo.sha256,
        width=photo.width,
        height=photo.height,
        data=seal_photo(key, inventory.id, photo_id, photo.data),
        added_by=ctx.principal.subject,
        added_at=ctx.now,
    )
    inventories.session.add(row)
    inventory.content_sha256 = content_digest(content, _photo_digests([*photos, row]))
    inventory.updated_at = ctx.now
    _unsign(inventory)
    await ctx.uow.flush("the inventory")
    return row


async def remove_photo(ctx: Context, keyring: KeyEncryption, inventory_id: uuid.UUID, photo_id: uuid.UUID) -> None:
    inventory, _ = await _editable(ctx, inventory_id, None)
    inventories = Inventories.of(ctx)
    photo = await inventories.photo(inventory.id, photo_id)
    if photo is None:
        raise Problem(404, "no such photo of this inventory", title="Not found")
    await inventories.session.delete(photo)
    key = await _key(keyring, inventory)
    content = open_content(key, inventory.id, inventory.content)
    inventory.content_sha256 = content_digest(
        content, _photo_digests([p for p in await inventories.photos_of(inventory.id) if p.id != photo_id])
    )
    inventory.updated_at = ctx.now
    _unsign(inventory)
    await ctx.uow.flush("the inventory")


async def photo_bytes(ctx: Context, keyring: KeyEncryption, inventory_id: uuid.UUID, photo_id: uuid.UUID) -> bytes:
    inventory, placement = await _found(ctx, inventory_id)
    photo = await Inventories.of(ctx).photo(inventory.id, photo_id)
    if photo is None:
        raise Problem(404, "no such photo of this inventory", title="Not found")
    await _log_read(ctx, inventory, placement)
    return open_photo(await _key(keyring, inventory), inventory.id, photo.id, photo.data)


async def sign(ctx: Context, keyring: KeyEncryption, policy: InventoryPolicy, inventory_id: uuid.UUID, seen_sha256: str) -> InventoryView:
    """Sign the inventory as the caller's side, for the content it read (``seen_sha256``); once both sides signed,
    it is closed and published to the fund."""
    inventory, placement = await _found(ctx, inventory_id, for_update=True)
    sides = sides_of(ctx, placement)
    if not sides:
        raise NotAllowed("only the two parties of the lease sign its inventory")
    if inventory.signed:
        raise Conflict("both parties signed this inventory already", title="Inventory signed")
    signed = {
        s for s, at in ((Side.LANDLORD.value, inventory.landlord_signed_at), (Side.HOUSEHOLD.value, inventory.household_signed_at)) if at
    }
    side = Side.HOUSEHOLD if Side.HOUSEHOLD in sides else Side.LANDLORD
    _refuse(signing_refusals(side, signed, inventory.content_sha256, seen_sha256), "cannot be signed")
    if side is Side.LANDLORD:
        inventory.landlord_signed_by, inventory.landlord_signed_at = ctx.principal.subject, ctx.now
        inventory.landlord_signed_role = "owner" if ctx.principal.has_role("owner") else "social_worker"
    else:
        inventory.household_signed_by, inventory.household_signed_at = ctx.principal.subject, ctx.now
    key = await _key(keyring, inventory)
    content = open_content(key, inventory.id, inventory.content)
    photos = await Inventories.of(ctx).photos_of(inventory.id)
    if inventory.signed and "owner" in landlord_roles(placement.lease_type, placement.lease_under_mandate, slid=placement.status == "slid"):
        # the fund guarantees the owner's tenancy: an inventory between the association and the household (a sub-let,
        # a sliding lease not slid) is another tenancy's, never the owner's to claim on
        await ctx.uow.publish(signed_event(inventory, placement, content, photos), at=ctx.now)
    try:
        await ctx.uow.flush("the inventory")
    except Stale as exc:
        raise Conflict(exc.detail, title="Changed meanwhile") from exc
    await _log_read(ctx, inventory, placement)  # the answer shows it whole
    return await _view(ctx, keyring, inventory, placement, key=key, content=content, photos=photos, policy=policy)


def signed_event(inventory: Inventory, placement: Placement, content: dict[str, Any], photos: Sequence[InventoryPhoto]) -> InventorySigned:
    counts = _photo_digests(photos)
    return InventorySigned(
        **ids(placement),
        inventory_id=inventory.id,
        kind=inventory.kind,
        made_on=inventory.made_on,
        signed_at=max(inventory.landlord_signed_at or inventory.updated_at, inventory.household_signed_at or inventory.updated_at),
        content_sha256=inventory.content_sha256,
        rooms=rooms_of(content, counts),
        keys_handed=sum(int(k.get("count", 0)) for k in content.get("keys", [])),
    )


def rooms_of(content: dict[str, Any], photo_digests: dict[str, list[str]] | None = None) -> list[InventoryRoom]:
    """The rooms as the contract carries them: names, items, conditions, photo counts (no note)."""
    counts = photo_digests or {}
    return [
        InventoryRoom(
            name=room["name"],
            items=[InventoryItem(name=i["name"], condition=i["condition"], photos=len(counts.get(i["id"], []))) for i in room["items"]],
        )
        for room in content["rooms"]
    ]


async def complete(
    ctx: Context, keyring: KeyEncryption, policy: InventoryPolicy, inventory_id: uuid.UUID, notes: list[dict[str, Any]]
) -> InventoryView:
    """The household asks that its signed move-in inventory be completed (art. 3-2: within 10 days): recorded
    beside what was signed, shown to both parties and in its PDF."""
    inventory, placement = await _found(ctx, inventory_id, for_update=True)
    if Side.HOUSEHOLD not in sides_of(ctx, placement):
        raise NotAllowed("the household asks that its move-in inventory be completed")
    unit = await Units.for_system(ctx.uow).find(placement.unit_id)
    established = _established_on(inventory, lambda moment: home_day(unit, moment))
    _refuse(completion_refusals(inventory.kind, established, home_day(unit, ctx.now), policy), "cannot be completed")
    key = await _key(keyring, inventory)
    earlier = open_content(key, inventory.id, inventory.completion, "completion")["notes"] if inventory.completion else []
    if len(earlier) + len(notes) > MAX_COMPLETION_NOTES:
        _refuse(
            [refusal("too_many_completion_notes", f"at most {MAX_COMPLETION_NOTES} notes", max=MAX_COMPLETION_NOTES)],
            "cannot be completed so",
        )
    # each request adds to the earlier ones until the deadline: a defect found on the ninth day is not lost
    inventory.completion = seal_content(key, inventory.id, {"notes": [*earlier, *notes]}, "completion")
    inventory.completion_asked_at = inventory.completion_asked_at or ctx.now
    await ctx.uow.flush("the inventory")
    await _log_read(ctx, inventory, placement)
    return await _view(ctx, keyring, inventory, placement, key=key, policy=policy)


async def _view(
    ctx: Context,
    keyring: KeyEncryption,
    inventory: Inventory,
    placement: Placement,
    *,
    key: bytes | None = None,
    content: dict[str, Any] | None = None,
    photos: list[InventoryPhoto] | None = None,
    policy: InventoryPolicy | None = None,
) -> InventoryView:
    policy = policy or InventoryPolicy()
    key = key if key is not None else await _key(keyring, inventory)
    content = content if content is not None else open_content(key, inventory.id, inventory.content)
    photos = photos if photos is not None else await Inventories.of(ctx).photos_of(inventory.id)
    completion = open_content(key, inventory.id, inventory.completion, "completion") if inventory.completion is not None else None
    comparison = await _comparison(ctx, keyring, inventory, content, policy) if inventory.kind == "move_out" else None
    unit = await Units.for_system(ctx.uow).find(placement.unit_id)
    established = _established_on(inventory, lambda moment: home_day(unit, moment))
    return InventoryView(
        inventory=inventory,
        content=content,
        photos=photos,
        sides=sides_of(ctx, placement),
        completion=completion,
        completion_until=completion_open_until(established, policy) if established is not None and inventory.kind == "move_in" else None,
        comparison=comparison,
        sign_roles=landlord_roles(placement.lease_type, placement.lease_under_mandate, slid=placement.status == "slid"),
    )


async def _comparison(
    ctx: Context, keyring: KeyEncryption, move_out: Inventory, content: dict[str, Any], policy: InventoryPolicy
) -> Comparison | None:
    move_in = next((i for i in await Inventories.for_system(ctx.uow).of_placement(move_out.placement_id) if i.kind == "move_in"), None)
    if move_in is None:
        return None
    before = open_content(await _key(keyring, move_in), move_in.id, move_in.content)
    rows = differences(rooms_of(before), rooms_of(content))
    conforming = conforms(rows)
    due = deposit_due_by(move_out.made_on, conforming, policy) if move_out.signed else None
    return Comparison(move_in_id=move_in.id, move_in_made_on=move_in.made_on, rows=rows, conforming=conforming, deposit_due_by=due)


@dataclass(frozen=True)
class Exported:
    """An inventory in its household's export: its state, its content and completion opened (``None``: its
    retention ended and its key is shredded), its photos' descriptions (their pictures are on its page and PDF)."""

    inventory: Inventory
    content: dict[str, Any] | None
    completion: dict[str, Any] | None
    photos: list[InventoryPhoto]


async def for_export(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID) -> list[Exported]:
    """The household's inventories for its export (the caller may export the household: checked before). The
    export's one access-log entry covers them: they are read for it, with the rest of the file."""
    found = []
    inventories = Inventories.for_system(ctx.uow)
    for inventory in await inventories.of_household(household_id):
        try:
            key = await key_of(keyring, inventory.id)
        except Unreadable:
            found.append(Exported(inventory, None, None, []))
            continue
        content = open_content(key, inventory.id, inventory.content)
        completion = open_content(key, inventory.id, inventory.completion, "completion") if inventory.completion is not None else None
        found.append(Exported(inventory, content, completion, await inventories.photos_of(inventory.id)))
    return found
