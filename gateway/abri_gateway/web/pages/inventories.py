"""Move-in and move-out inventories (états des lieux) on a phone, for the two parties of a lease: the landlord's
side (the owner, or the association under a sub-let or a sliding lease) begins one from a typical list of rooms,
both fill it in (rooms, items, condition, notes), add photos from the phone's camera, and each signs what it
read; each downloads its copy as a PDF in its language; a move-out stands beside its move-in; the household may
ask, within 10 days, that a signed move-in be completed. Matching decides who may do what: a step it refuses is
said on the page, in the reader's language, with its source.

The form works without a script: each room shows its items and empty rows to add more, and an empty room to add
one; rows left empty are dropped when saved.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

import aiohttp
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import condition_words, meter_words
from abri_gateway.web.pages.association.documents import KeptOpen
from abri_gateway.web.pages.association.shared import today_in_france
from abri_gateway.web.visit import PageError, Visit, for_roles

router = APIRouter(prefix="/inventories")
Party = Annotated[Visit, Depends(for_roles("owner", "social_worker", "household"))]

CONDITIONS = ("new", "good", "fair", "poor", "unusable")
METERS = ("electricity", "gas", "cold_water", "hot_water", "heating")
EMPTY_ITEMS = 2
"""Empty item rows under each room, to add items without a script."""
PHOTO_MAX_BYTES = 10 * 1024 * 1024
"""Matching's limit per photo (``InventoryPolicy.max_upload_bytes``)."""
ROOM_FIELD = re.compile(r"^rooms-(\d{1,2})-name$")
KEY_FIELD = re.compile(r"^keys-(\d{1,2})-kind$")
ITEM_FIELD = re.compile(r"^rooms-(\d{1,2})-items-(\d{1,2})-name$")
SIGNED_LEASES = ("lease_signed", "slid")


def change_words() -> dict[str, str]:
    return {"same": _("Unchanged"), "better": _("Better"), "worse": _("Worse"), "missing": _("Missing"), "added": _("Added")}


def starter_rooms(bedrooms: int) -> list[dict[str, Any]]:
    """A typical list of rooms and items to begin from, in the reader's language (the parties change it freely)."""
    surfaces = [_("Floor"), _("Walls"), _("Ceiling")]
    rooms = [
        (_("Entrance"), [*surfaces, _("Front door"), _("Lighting")]),
        (_("Living room"), [*surfaces, _("Windows"), _("Radiators"), _("Sockets and switches")]),
        (_("Kitchen"), [*surfaces, _("Sink and taps"), _("Cooker"), _("Cupboards")]),
        (_("Bathroom"), [*surfaces, _("Shower or bath"), _("Washbasin"), _("Toilet")]),
        *((_("Bedroom %(number)d", number=n + 1), [*surfaces, _("Windows"), _("Sockets and switches")]) for n in range(bedrooms)),
    ]
    return [{"name": name, "items": [{"name": item, "condition": "good", "note": ""} for item in items]} for name, items in rooms]


def _refused(exc: ApiError) -> forms.FieldErrors:
    """A refusal as the errors at the top of the form (in the reader's language, with its source)."""
    if exc.status >= 500:
        raise exc
    if exc.status == 404:
        raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
    errors = forms.api_field_errors(exc, on_form=("made_on", "content_sha256", "rooms"))
    if not errors:
        errors.add("_form", explained(exc))
    return errors


@router.get("/placements/{placement_id}", response_class=HTMLResponse, summary="A lease's inventories, and the one to begin")
async def lease_inventories(placement_id: uuid.UUID, page: Party) -> HTMLResponse:
    return await _lease_page(page, placement_id, {"kind": "move_in", "made_on": today_in_france()}, forms.FieldErrors())


async def _lease_page(
    page: Visit, placement_id: uuid.UUID, values: dict[str, Any], errors: forms.FieldErrors, status: int = 200
) -> HTMLResponse:
    placement = await page.get("matching", f"/v1/placements/{placement_id}")
    found = await page.every("matching", f"/v1/placements/{placement_id}/inventories")
    kinds = {i["kind"] for i in found}
    words = {"move_in": _("Move-in: the keys are handed over"), "move_out": _("Move-out: the keys are returned")}
    may_begin = placement["status"] in SIGNED_LEASES and page.roles & {"owner", "social_worker"} and len(kinds) < 2
    return page.render(
        "inventories/lease.html",
        status=status,
        placement=placement,
        inventories=found,
        may_begin=bool(may_begin),
        kinds=[(k, words[k]) for k in ("move_in", "move_out") if k not in kinds],
        values=values,
        errors=errors,
    )


@router.post("/placements/{placement_id}", response_class=HTMLResponse, summary="Begin an inventory from a typical list of rooms")
async def begin(placement_id: uuid.UUID, page: Party) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    kind = forms.text(form, "kind")
    if kind not in ("move_in", "move_out"):
        errors.add("kind", _("Choose whether the keys are handed over or returned."))
    made_on = forms.day(form, "made_on", errors)
    values = {"kind": kind, "made_on": forms.text(form, "made_on")}
    if errors:
        return await _lease_page(page, placement_id, values, errors, status=422)
    placement = await page.get("matching", f"/v1/placements/{placement_id}")
    rooms = await _move_in_rooms(page, placement_id) if kind == "move_out" else None
    if not rooms:
        rooms = starter_rooms(max(int((placement.get("unit") or {}).get("rooms") or 1) - 1, 0))
    body = {"kind": kind, "made_on": made_on, "rooms": rooms}
    try:
        begun = await page.api("POST", "matching", f"/v1/placements/{placement_id}/inventories", json_body=body)
    except ApiError as exc:
        if exc.status == 403:
            errors.add(
                "_form", _("The landlord's side of the lease begins its inventory: the owner, or the association when it lets the home.")
            )
        else:
            errors = _refused(exc)
        return await _lease_page(page, placement_id, values, errors, status=422)
    page.notify("success", _("The inventory is begun: go through each room together, then both sign."))
    return page.redirect(f"/inventories/{begun['id']}")


async def _move_in_rooms(page: Visit, placement_id: uuid.UUID) -> list[dict[str, Any]] | None:
    """A move-out begins from the signed move-in's rooms and items, named as they were (so that each item pairs with
    itself, whoever begins it and in whatever language), with their move-in condition to change where it changed;
    None without a signed move-in."""
    found = await page.every("matching", f"/v1/placements/{placement_id}/inventories")
    move_in = next((i for i in found if i["kind"] == "move_in" and i["status"] == "signed"), None)
    if move_in is None:
        return None
    read = await page.get("matching", f"/v1/inventories/{move_in['id']}")
    return [
        {"name": r["name"], "items": [{"name": i["name"], "condition": i["condition"], "note": ""} for i in r["items"]]}
        for r in read["rooms"]
    ]


@router.get("/{inventory_id}", response_class=HTMLResponse, summary="An inventory: fill it in, add photos, sign, download")
async def inventory(inventory_id: uuid.UUID, page: Party) -> HTMLResponse:
    return await _inventory_page(page, inventory_id, None, forms.FieldErrors())


async def _inventory_page(
    page: Visit, inventory_id: uuid.UUID, values: dict[str, Any] | None, errors: forms.FieldErrors, status: int = 200
) -> HTMLResponse:
    found = await page.get("matching", f"/v1/inventories/{inventory_id}")
    editable = found["status"] == "draft" and bool(found["can_sign_as"])
    shown = values or found
    rooms = [
        {**room, "items": [*room["items"], *({"name": "", "condition": "", "note": ""} for _ in range(EMPTY_ITEMS))]}
        for room in shown["rooms"]
    ]
    if editable:
        rooms.append({"name": "", "items": [{"name": "", "condition": "", "note": ""} for _ in range(EMPTY_ITEMS + 1)]})
    meters = {m["kind"]: m for m in shown.get("meters") or []}
    keys = [*(shown.get("keys") or []), *({"kind": "", "count": ""} for _ in range(2))]
    signed_by_me = any(
        (side == "landlord" and found["landlord_signed_at"]) or (side == "household" and found["household_signed_at"])
        for side in found["can_sign_as"]
    )
    return page.render(
        "inventories/inventory.html",
        status=status,
        inventory=found,
        shown=shown,
        rooms=rooms,
        meters=meters,
        keys=keys,
        editable=editable,
        signed_by_me=signed_by_me,
        unsaved=values is not None,
        today=today_in_france(),
        conditions=condition_words(),
        meter_words=meter_words(),
        change_words=change_words(),
        errors=errors,
    )


def content_of(form: FormData) -> dict[str, Any]:
    """The inventory's content as the form sends it; empty rows dropped, the items' ids kept (their photos stay)."""
    rooms: list[dict[str, Any]] = []
    room_indices = sorted({int(m.group(1)) for name in form if (m := ROOM_FIELD.match(name))})
    for r in room_indices:
        items = []
        for i in sorted({int(m.group(2)) for name in form if (m := ITEM_FIELD.match(name)) and int(m.group(1)) == r}):
            prefix = f"rooms-{r}-items-{i}-"
            name = forms.text(form, prefix + "name")
            if not name:
                continue
            item: dict[str, Any] = {
                "name": name,
                "condition": forms.text(form, prefix + "condition") or "good",
                "note": forms.text(form, prefix + "note"),
            }
            if (item_id := forms.text(form, prefix + "id")) and re.fullmatch(r"[0-9a-f-]{36}", item_id):
                item["id"] = item_id
            items.append(item)
        name = forms.text(form, f"rooms-{r}-name")
        if name or items:
            rooms.append({"name": name or _("Room"), "items": items})
    meters = [
        {
            "kind": kind,
            "number": forms.optional_text(form, f"meter-{kind}-number"),
            "reading": forms.text(form, f"meter-{kind}-reading").replace(" ", ""),
        }
        for kind in METERS
        if forms.text(form, f"meter-{kind}-reading")
    ]
    keys = []
    for k in sorted({int(m.group(1)) for name in form if (m := KEY_FIELD.match(name))}):
        kind, count = forms.text(form, f"keys-{k}-kind"), forms.text(form, f"keys-{k}-count")
        if kind and count.isdecimal() and count.isascii():
            keys.append({"kind": kind, "count": int(count)})
    return {
        "rooms": rooms,
        "meters": meters,
        "keys": keys,
        **{name: forms.optional_text(form, name) for name in ("address", "landlord", "tenants", "new_address")},
    }


@router.post("/{inventory_id}", response_class=HTMLResponse, summary="Save what the inventory says (a signature given before is void)")
async def save(inventory_id: uuid.UUID, page: Party) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    made_on = forms.day(form, "made_on", errors)
    content = content_of(form)
    if not content["rooms"]:
        errors.add("_form", _("An inventory describes at least one room."))
    version = forms.text(form, "version")
    shown = {**content, "made_on": forms.text(form, "made_on")}
    if errors:
        return await _inventory_page(page, inventory_id, shown, errors, status=422)
    body = {**content, "made_on": made_on, **({"version": int(version)} if version.isdecimal() and version.isascii() else {})}
    done = _("The inventory is saved. Each side signs it once it says what both saw.")
    return await _step(page, inventory_id, "PUT", "", done, shown=shown, json_body=body)


async def _step(
    page: Visit, inventory_id: uuid.UUID, method: str, path: str, done: str, *, shown: dict[str, Any] | None = None, **call: Any
) -> Response:
    """A call on the inventory, then back to its page saying ``done``; a refusal is said on the page, nothing changed."""
    try:
        await page.api(method, "matching", f"/v1/inventories/{inventory_id}{path}", **call)
    except ApiError as exc:
        return await _inventory_page(page, inventory_id, shown, _refused(exc), status=422)
    page.notify("success", done)
    return page.redirect(f"/inventories/{inventory_id}")


async def _file(page: Visit, path: str, **params: Any) -> Response:
    """A file of the inventory (a photo, the PDF) streamed to the browser; another's is the 404 page."""
    try:
        return await page.download("matching", path, **params)
    except ApiError as exc:
        if exc.status in (403, 404):
            raise PageError(404, _("This page does not exist, or it is not yours.")) from exc
        raise


@router.post(
    "/{inventory_id}/photos", response_class=HTMLResponse, summary="Add a photo to an item (its location and other metadata removed)"
)
async def add_photo(inventory_id: uuid.UUID, page: Party) -> Response:
    form = await page.upload_form(PHOTO_MAX_BYTES + 64 * 1024, too_large=_("A photo is at most 10 MB."))
    try:
        item_id, content = forms.text(form, "item_id"), form.get("content")
        errors = forms.FieldErrors()
        if not isinstance(content, UploadFile) or not content.filename:
            errors.add("_form", _("Choose a photo, or take one with the phone's camera."))
        else:
            sent = aiohttp.FormData()
            sent.add_field("item_id", item_id)
            await content.seek(0)
            sent.add_field(
                "content", KeptOpen(content.file), filename="photo", content_type=content.content_type or "application/octet-stream"
            )
            try:
                await page.api("POST", "matching", f"/v1/inventories/{inventory_id}/photos", form=sent)
            except ApiError as exc:
                errors = _refused(exc)
            else:
                page.notify("success", _("The photo is added, without where or with what it was taken."))
                return page.redirect(f"/inventories/{inventory_id}#item-{item_id}")
    finally:
        await form.close()
    return await _inventory_page(page, inventory_id, None, errors, status=422)


@router.post("/{inventory_id}/photos/{photo_id}/removal", response_class=HTMLResponse, summary="Remove a photo")
async def remove_photo(inventory_id: uuid.UUID, photo_id: uuid.UUID, page: Party) -> Response:
    await page.form()
    return await _step(page, inventory_id, "DELETE", f"/photos/{photo_id}", _("The photo is removed."))


@router.get("/{inventory_id}/photos/{photo_id}", summary="A photo of the inventory (a logged read)")
async def photo(inventory_id: uuid.UUID, photo_id: uuid.UUID, page: Party) -> Response:
    return await _file(page, f"/v1/inventories/{inventory_id}/photos/{photo_id}")


@router.get("/{inventory_id}/inventory.pdf", summary="My copy of the inventory, as a PDF in my language (a logged read)")
async def pdf(inventory_id: uuid.UUID, page: Party) -> Response:
    return await _file(page, f"/v1/inventories/{inventory_id}/pdf", lang=page.lang if page.lang in ("fr", "en", "ar", "uk") else "fr")


@router.post("/{inventory_id}/signature", response_class=HTMLResponse, summary="Sign the inventory as I read it")
async def sign(inventory_id: uuid.UUID, page: Party) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    if not forms.checked(form, "agree"):
        errors.add("agree", _("Tick the box to say that the inventory says what you saw."))
        return await _inventory_page(page, inventory_id, None, errors, status=422)
    body = {"content_sha256": forms.text(form, "content_sha256")}
    return await _step(page, inventory_id, "POST", "/signatures", _("You signed the inventory."), json_body=body)


@router.post(
    "/{inventory_id}/completion", response_class=HTMLResponse, summary="Ask that the move-in inventory be completed (within 10 days)"
)
async def complete(inventory_id: uuid.UUID, page: Party) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    notes = []
    for n in range(5):
        room, item, note = (forms.text(form, f"completion-{n}-{part}") for part in ("room", "item", "note"))
        if note:
            notes.append({"room": room or "-", "item": item or "-", "note": note})
    if not notes:
        errors.add("completion-0-note", _("Say what the inventory should have said."))
        return await _inventory_page(page, inventory_id, None, errors, status=422)
    done = _("Your request is recorded beside the inventory: the landlord sees it, and it is in the PDF.")
    return await _step(page, inventory_id, "POST", "/completion", done, json_body={"notes": notes})
