"""The owner's shared homes, let room by room: the home (where it is, its diagnosis, its shared spaces, the lease
form, its house rules) and its rooms, each added, published and withdrawn on its own."""

from __future__ import annotations

import re
import uuid
from typing import Any, get_args

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from abri_contracts.listings import LeaseForm, SpaceKind
from abri_gateway.web import communes, forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import ACCESSIBILITY, SCHEMES
from abri_gateway.web.pages.owner.shared import AMOUNTS, ENERGY_CLASSES, MAIN_ENERGIES, Owner
from abri_gateway.web.pages.owner.units import (
    address_body,
    diagnosis_body,
    errors_of,
    letting_body,
    schemes_body,
    values_of_unit,
    withdrawal_of,
)
from abri_gateway.web.visit import Visit

router = APIRouter()

SPACE_KINDS: tuple[str, ...] = get_args(SpaceKind)
LEASE_FORMS: tuple[str, ...] = get_args(LeaseForm)
HOME_KINDS = ("apartment", "house")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@router.get("/shared-homes", response_class=HTMLResponse, summary="My shared homes and their rooms")
async def shared_homes(page: Owner) -> HTMLResponse:
    homes, _next = await page.page_of("listings", "/v1/shared-homes", None)
    return page.render("owner/shared_homes.html", homes=homes)


@router.get("/shared-homes/new", response_class=HTMLResponse, summary="The form of a new shared home")
async def new_home(page: Owner) -> HTMLResponse:
    return _home_form(page, None, {"schemes": [], "lease_form": "individual"}, {})


@router.post("/shared-homes/new", response_class=HTMLResponse, summary="Create a shared home")
async def create_home(page: Owner) -> Response:
    form = await page.form()
    body, errors, place = home_body(form)
    if errors:
        return _home_form(page, None, _values(form, place), errors, status=422, place=place)
    try:
        created = await page.api("POST", "listings", "/v1/shared-homes", json_body=body)
    except ApiError as exc:
        return _home_form(page, None, _values(form, place), errors_of(exc), status=exc.status if exc.status < 500 else 502, place=place)
    page.notify("success", _("The shared home is saved. Add its rooms: each is published on its own."))
    return page.redirect(f"/owner/shared-homes/{created['id']}")


@router.get("/shared-homes/{home_id}", response_class=HTMLResponse, summary="One of my shared homes: edit it, see and add its rooms")
async def home(home_id: uuid.UUID, page: Owner) -> HTMLResponse:
    current = await page.get("listings", f"/v1/shared-homes/{home_id}")
    return _home_form(page, current, values_of_home(current), {})


@router.post("/shared-homes/{home_id}", response_class=HTMLResponse, summary="Save a shared home (its rooms take its new facts)")
async def save_home(home_id: uuid.UUID, page: Owner) -> Response:
    form = await page.form()
    current = await page.get("listings", f"/v1/shared-homes/{home_id}")
    body, errors, place = home_body(form)
    if errors:
        return _home_form(page, current, _values(form, place), errors, status=422, place=place)
    version = forms.text(form, "version") or str(current["version"])
    try:
        await page.api("PUT", "listings", f"/v1/shared-homes/{home_id}", json_body=body, headers={"if-match": f'"{version}"'})
    except ApiError as exc:
        if exc.status == 412:
            page.notices.append(("warning", _("Someone changed this home meanwhile: here it is as it is now. Make your change again.")))
            fresh = await page.get("listings", f"/v1/shared-homes/{home_id}")
            return _home_form(page, fresh, values_of_home(fresh), {}, status=409)
        status = exc.status if exc.status < 500 else 502
        return _home_form(page, current, _values(form, place), errors_of(exc), status=status, place=place)
    page.notify("success", _("Your changes are saved, and its rooms follow them."))
    return page.redirect(f"/owner/shared-homes/{home_id}")


@router.get("/shared-homes/{home_id}/rooms/new", response_class=HTMLResponse, summary="The form of a new room")
async def new_room(home_id: uuid.UUID, page: Owner) -> HTMLResponse:
    current = await page.get("listings", f"/v1/shared-homes/{home_id}")
    return _room_form(page, current, None, {"accessibility": [], "occupants_max": "1"}, {})


@router.post("/shared-homes/{home_id}/rooms/new", response_class=HTMLResponse, summary="Add a room (and publish it, if asked)")
async def add_room(home_id: uuid.UUID, page: Owner) -> Response:
    form = await page.form()
    current = await page.get("listings", f"/v1/shared-homes/{home_id}")
    body, errors = room_body(form)
    if errors:
        return _room_form(page, current, None, _room_values(form), errors, status=422)
    try:
        created = await page.api("POST", "listings", f"/v1/shared-homes/{home_id}/rooms", json_body=body)
    except ApiError as exc:
        return _room_form(page, current, None, _room_values(form), errors_of(exc), status=exc.status if exc.status < 500 else 502)
    if forms.text(form, "action") == "publish":
        return await _publish(page, current, created, _room_values(form))
    page.notify("success", _("The room is saved as a draft. Publish it when it is ready."))
    return page.redirect(f"/owner/shared-homes/{home_id}/rooms/{created['id']}")


@router.get("/shared-homes/{home_id}/rooms/{unit_id}", response_class=HTMLResponse, summary="One room of my shared home")
async def room(home_id: uuid.UUID, unit_id: uuid.UUID, page: Owner) -> HTMLResponse:
    current, found = await _home_and_room(page, home_id, unit_id)
    return _room_form(page, current, found, values_of_room(found), {})


@router.post("/shared-homes/{home_id}/rooms/{unit_id}", response_class=HTMLResponse, summary="Save a room (and publish it, if asked)")
async def save_room(home_id: uuid.UUID, unit_id: uuid.UUID, page: Owner) -> Response:
    form = await page.form()
    current, found = await _home_and_room(page, home_id, unit_id)
    body, errors = room_body(form)
    if errors:
        return _room_form(page, current, found, _room_values(form), errors, status=422)
    version = forms.text(form, "version") or str(found["version"])
    try:
        saved = await page.api(
            "PUT", "listings", f"/v1/shared-homes/{home_id}/rooms/{unit_id}", json_body=body, headers={"if-match": f'"{version}"'}
        )
    except ApiError as exc:
        if exc.status == 412:
            page.notices.append(("warning", _("Someone changed this room meanwhile: here it is as it is now. Make your change again.")))
            fresh_home, fresh = await _home_and_room(page, home_id, unit_id)
            return _room_form(page, fresh_home, fresh, values_of_room(fresh), {}, status=409)
        return _room_form(page, current, found, _room_values(form), errors_of(exc), status=exc.status if exc.status < 500 else 502)
    if forms.text(form, "action") == "publish" and saved["status"] == "draft":
        return await _publish(page, current, saved, _room_values(form))
    page.notify("success", _("Your changes are saved."))
    return page.redirect(f"/owner/shared-homes/{home_id}/rooms/{unit_id}")


async def _home_and_room(page: Visit, home_id: uuid.UUID, unit_id: uuid.UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    current = await page.get("listings", f"/v1/shared-homes/{home_id}")
    found = next((room for room in current["room_units"] if room["id"] == str(unit_id)), None)
    if found is None:
        raise ApiError(404, {"title": "Not found", "detail": "no such room in this home"})
    return current, found


async def _publish(page: Visit, home: dict[str, Any], room: dict[str, Any], values: dict[str, Any]) -> Response:
    try:
        await page.api("POST", "listings", f"/v1/units/{room['id']}/publish", headers={"if-match": f'"{room["version"]}"'})
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notices.append(("error", _("The room is saved, but it cannot be published yet: see each rule next to its field.")))
        fresh_home, fresh = await _home_and_room(page, uuid.UUID(home["id"]), uuid.UUID(room["id"]))
        return _room_form(page, fresh_home, fresh, values, errors_of(exc), status=422)
    page.notify("success", _("The room is published: associations can now find it."))
    return page.redirect(f"/owner/shared-homes/{home['id']}/rooms/{room['id']}")


def home_body(form: FormData) -> tuple[dict[str, Any], forms.FieldErrors, communes.Found]:
    """The shared home's API body from the form, or the errors to show next to the fields."""
    errors = forms.FieldErrors()
    body, place = address_body(form, errors)
    body["kind"] = forms.text(form, "kind")
    if body["kind"] not in HOME_KINDS:
        errors.add("kind", _("Choose the kind of home."))
    body["rooms"] = forms.number(form, "rooms", errors, whole=True)
    body["living_area_m2"] = forms.number(form, "living_area_m2", errors)
    body["floor"] = forms.number(form, "floor", errors, whole=True)
    body["elevator"] = forms.checked(form, "elevator")
    body.update(diagnosis_body(form, errors))
    body["schemes"] = schemes_body(form, errors)
    body["lease_form"] = forms.text(form, "lease_form")
    if body["lease_form"] not in LEASE_FORMS:
        errors.add("lease_form", _("Choose how the rooms are let."))
    spaces = []
    for kind in SPACE_KINDS:
        area = forms.number(form, f"space_{kind}", errors, required=False)
        if area:
            spaces.append({"kind": kind, "area_m2": area})
    body["spaces"] = spaces
    body["smoke_free"] = forms.checked(form, "smoke_free")
    start, until = forms.text(form, "quiet_start"), forms.text(form, "quiet_until")
    if start or until:
        for name, value in (("quiet_start", start), ("quiet_until", until)):
            if not TIME.match(value):
                errors.add(name, _("Give a time such as 22:00."))
        body["quiet_hours"] = {"start": start, "until": until}
    else:
        body["quiet_hours"] = None
    return body, errors, place


def room_body(form: FormData) -> tuple[dict[str, Any], forms.FieldErrors]:
    """The room's API body from the form, or the errors to show next to the fields."""
    errors = forms.FieldErrors()
    body: dict[str, Any] = {"label": forms.text(form, "label") or None}
    body["living_area_m2"] = forms.number(form, "living_area_m2", errors)
    body["occupants_max"] = forms.number(form, "occupants_max", errors, whole=True)
    body.update(letting_body(form, errors))
    return body, errors


def _home_form(
    page: Visit,
    home: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    place: communes.Found | None = None,
) -> HTMLResponse:
    place = place or communes.resolve("", str(values.get("insee_code") or ""))
    return page.render(
        "owner/home_form.html",
        status=status,
        home=home,
        values=values,
        errors=errors,
        commune_choices=[(c.insee_code, communes.described(c)) for c in place.choices],
        postal_codes=[(code, code) for code in place.commune.postal_codes] if place.commune else [],
        home_kinds=HOME_KINDS,
        lease_forms=LEASE_FORMS,
        space_kinds=SPACE_KINDS,
        energy_classes=ENERGY_CLASSES,
        main_energies=MAIN_ENERGIES,
        schemes=SCHEMES,
    )


def _room_form(
    page: Visit, home: dict[str, Any], room: dict[str, Any] | None, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return page.render(
        "owner/room_form.html",
        status=status,
        home=home,
        room=room,
        values=values,
        errors=errors,
        withdrawal=withdrawal_of(room),
        accessibility=ACCESSIBILITY,
    )


def _values(form: FormData, place: communes.Found) -> dict[str, Any]:
    values = forms.summary(dict(form))
    if place.commune is not None:
        values["insee_code"] = place.commune.insee_code
        values["commune"] = communes.shown(place.commune, values.get("postal_code") or None)
    values["schemes"] = forms.chosen(form, "schemes")
    return values


def _room_values(form: FormData) -> dict[str, Any]:
    values = forms.summary(dict(form))
    values["accessibility"] = forms.chosen(form, "accessibility")
    return values


def values_of_home(home: dict[str, Any]) -> dict[str, Any]:
    """A stored home as the form's values."""
    values = {k: v for k, v in home.items() if not isinstance(v, (dict, list))}
    values["commune"] = f"{home['commune']} ({home['postal_code']})"
    values["schemes"] = list(home.get("schemes") or [])
    for name in ("living_area_m2", "primary_energy_kwh", "emissions_kg", "final_energy_kwh"):
        values[name] = "" if home.get(name) is None else f"{home[name]:g}"
    for space in home.get("spaces") or []:
        values[f"space_{space['kind']}"] = f"{space['area_m2']:g}"
    quiet = home.get("quiet_hours") or {}
    values["quiet_start"], values["quiet_until"] = quiet.get("start", ""), quiet.get("until", "")
    return values


def values_of_room(room: dict[str, Any]) -> dict[str, Any]:
    """A stored room as the form's values."""
    values = values_of_unit(room)
    values["label"] = room.get("label") or ""
    values["occupants_max"] = room.get("occupants_max") or 1
    values["accessibility"] = list(room.get("accessibility") or [])
    return values


__all__ = ["AMOUNTS", "router"]
