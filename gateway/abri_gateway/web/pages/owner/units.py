"""The owner's units: the list, create and edit (the commune chosen by name, the position its centre:
nothing typed as a code or a coordinate), publish, withdraw, and why a unit left the market."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from abri_gateway.web import communes, forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import ACCESSIBILITY, SCHEMES
from abri_gateway.web.pages.owner.shared import AMOUNTS, ENERGY_CLASSES, KINDS, MAIN_ENERGIES, PLACE_FIELDS, WITHDRAWAL_REASONS, Owner
from abri_gateway.web.refusals import rule_title
from abri_gateway.web.renovation import renovation_of
from abri_gateway.web.visit import Visit
from abri_kit.calendar import local_day

router = APIRouter()


@router.get("/units", response_class=HTMLResponse, summary="My units and their status")
async def units(page: Owner, cursor: Annotated[str | None, Query(max_length=1000)] = None) -> HTMLResponse:
    mine, next_cursor = await page.page_of("listings", "/v1/units", cursor)
    next_link = "/owner/units?" + urlencode({"cursor": next_cursor}) if next_cursor else None
    return page.render("owner/units.html", units=mine, next_link=next_link)


@router.get("/units/new", response_class=HTMLResponse, summary="The form of a new unit")
async def new_unit(page: Owner) -> HTMLResponse:
    return _unit_form(page, None, {"schemes": [], "accessibility": []}, {})


@router.post("/units/new", response_class=HTMLResponse, summary="Create a draft unit (and publish it, if asked)")
async def create_unit(page: Owner) -> Response:
    form = await page.form()
    body, errors, place = unit_body(form)
    if errors:
        return _unit_form(page, None, _values(form, place), errors, status=422, place=place)
    try:
        created = await page.api("POST", "listings", "/v1/units", json_body=body)
    except ApiError as exc:
        return _unit_form(page, None, _values(form, place), errors_of(exc), status=exc.status if exc.status < 500 else 502, place=place)
    if forms.text(form, "action") == "publish":
        return await _publish(page, created, _values(form, place))
    page.notify("success", _("The draft is saved. Publish it when it is ready."))
    return page.redirect(f"/owner/units/{created['id']}")


@router.get("/units/{unit_id}", response_class=HTMLResponse, summary="One of my units: edit, publish, withdraw")
async def unit(unit_id: uuid.UUID, page: Owner) -> Response:
    current = await page.get("listings", f"/v1/units/{unit_id}")
    if current.get("home_id"):  # a room of a shared home: its own page, beside its home
        return page.redirect(f"/owner/shared-homes/{current['home_id']}/rooms/{unit_id}")
    return _unit_form(page, current, values_of_unit(current), {})


@router.post("/units/{unit_id}", response_class=HTMLResponse, summary="Save a unit (and publish it, if asked)")
async def save_unit(unit_id: uuid.UUID, page: Owner) -> Response:
    form = await page.form()
    current = await page.get("listings", f"/v1/units/{unit_id}")
    body, errors, place = unit_body(form)
    if errors:
        return _unit_form(page, current, _values(form, place), errors, status=422, place=place)
    version = forms.text(form, "version") or str(current["version"])
    try:
        saved = await page.api("PUT", "listings", f"/v1/units/{unit_id}", json_body=body, headers={"if-match": f'"{version}"'})
    except ApiError as exc:
        if exc.status == 412:
            page.notices.append(("warning", _("Someone changed this unit meanwhile: here it is as it is now. Make your change again.")))
            fresh = await page.get("listings", f"/v1/units/{unit_id}")
            return _unit_form(page, fresh, values_of_unit(fresh), {}, status=409)
        return _unit_form(page, current, _values(form, place), errors_of(exc), status=exc.status if exc.status < 500 else 502, place=place)
    if forms.text(form, "action") == "publish" and saved["status"] == "draft":
        return await _publish(page, saved, _values(form, place))
    page.notify("success", _("Your changes are saved."))
    return page.redirect(f"/owner/units/{unit_id}")


@router.post("/units/{unit_id}/withdraw", summary="Withdraw a unit")
async def withdraw_unit(unit_id: uuid.UUID, page: Owner) -> Response:
    await page.form()
    current = await page.get("listings", f"/v1/units/{unit_id}")
    try:
        await page.api("POST", "listings", f"/v1/units/{unit_id}/withdraw", headers={"if-match": f'"{current["version"]}"'})
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notify("error", explained(exc))
        return page.redirect(f"/owner/units/{unit_id}")
    page.notify("success", _("The unit is withdrawn: it no longer appears in searches."))
    return page.redirect("/owner/units")


async def _publish(page: Visit, unit: dict[str, Any], values: dict[str, Any]) -> Response:
    try:
        await page.api("POST", "listings", f"/v1/units/{unit['id']}/publish", headers={"if-match": f'"{unit["version"]}"'})
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notices.append(("error", _("The draft is saved, but it cannot be published yet: see each rule next to its field.")))
        fresh = await page.get("listings", f"/v1/units/{unit['id']}")
        return _unit_form(page, fresh, values, errors_of(exc), status=422)
    page.notify("success", _("The unit is published: associations can now find it."))
    return page.redirect(f"/owner/units/{unit['id']}")


def _unit_form(
    page: Visit,
    unit: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    place: communes.Found | None = None,
) -> HTMLResponse:
    place = place or communes.resolve("", str(values.get("insee_code") or ""))
    return page.render(
        "owner/unit_form.html",
        status=status,
        unit=unit,
        values=values,
        errors=errors,
        withdrawal=withdrawal_of(unit),
        renovation=renovation_of(unit),
        commune_choices=[(c.insee_code, communes.described(c)) for c in place.choices],
        postal_codes=[(code, code) for code in place.commune.postal_codes] if place.commune else [],
        kinds=KINDS,
        energy_classes=ENERGY_CLASSES,
        main_energies=MAIN_ENERGIES,
        schemes=SCHEMES,
        accessibility=ACCESSIBILITY,
    )


HOST_FIELDS = {
    "host": "host_aged_60_or_over",
    "host.aged_60_or_over": "host_aged_60_or_over",
    "host.occupancy": "host_occupancy",
    "host.landlord_informed_on": "host_landlord_informed_on",
}
"""Where listings' errors on the host's declaration go on the form."""


def errors_of(exc: ApiError) -> forms.FieldErrors:
    errors = forms.api_field_errors(exc, {**PLACE_FIELDS, **HOST_FIELDS})
    if not errors:
        errors.add("_form", explained(exc))
    return errors


def _values(form: FormData, place: communes.Found) -> dict[str, Any]:
    values = forms.summary(dict(form))
    if place.commune is not None:  # the commune as the table names it, its code kept for the next post
        values["insee_code"] = place.commune.insee_code
        values["postal_code"] = postal_code_of(form, place)
        values["commune"] = communes.shown(place.commune, values["postal_code"] or None)
    else:
        values["insee_code"] = ""
    values["schemes"] = forms.chosen(form, "schemes")
    values["accessibility"] = forms.chosen(form, "accessibility")
    return values


def unit_body(form: FormData) -> tuple[dict[str, Any], forms.FieldErrors, communes.Found]:
    """The unit's API body from the form, or the errors to show next to the fields; and the commune the
    form names (the communes to choose from, when its name matches several)."""
    errors = forms.FieldErrors()
    body, place = address_body(form, errors)
    body["kind"] = forms.text(form, "kind")
    if body["kind"] not in KINDS:
        errors.add("kind", _("Choose the kind of unit."))
    body["rooms"] = forms.number(form, "rooms", errors, whole=True)
    body["living_area_m2"] = forms.number(form, "living_area_m2", errors)
    body["floor"] = forms.number(form, "floor", errors, whole=True)
    body["elevator"] = forms.checked(form, "elevator")
    body.update(letting_body(form, errors))
    body.update(diagnosis_body(form, errors))
    body["schemes"] = schemes_body(form, errors)
    body["host"] = host_body(form, errors) if "intergenerational_cohabitation" in body["schemes"] else None
    return body, errors, place


def host_body(form: FormData, errors: forms.FieldErrors) -> dict[str, Any]:
    """The host's declaration of an intergenerational cohabitation (listings judges it: 60 or over, a tenant's landlord informed)."""
    occupancy = forms.text(form, "host_occupancy")
    if occupancy not in ("owner", "tenant"):
        errors.add("host_occupancy", _("Say whether you own or rent the home."))
    informed = forms.day(form, "host_landlord_informed_on", errors, required=False) if occupancy == "tenant" else None
    return {"aged_60_or_over": forms.checked(form, "host_aged_60_or_over"), "occupancy": occupancy, "landlord_informed_on": informed}


def address_body(form: FormData, errors: forms.FieldErrors) -> tuple[dict[str, Any], communes.Found]:
    """The street and the commune chosen by name (its code, postal code and centre from the commune table)."""
    body: dict[str, Any] = {"street": forms.text(form, "street")}
    if not body["street"]:
        errors.add("street", _("This field is required."))
    place = communes.resolve(forms.text(form, "commune"), forms.text(form, "insee_code"))
    if place.commune is None and place.choices:
        errors.add("commune", _("Several communes match: choose yours in the list."))
    elif place.commune is None:
        errors.add("commune", _("Type the commune's name (or its postal code) and choose it in the list."))
    postal_code = postal_code_of(form, place)
    if place.commune is not None and not postal_code:
        errors.add("postal_code", _("Choose the postal code of the address."))
    body["postal_code"] = postal_code
    body["insee_code"] = place.commune.insee_code if place.commune else ""
    body.update(communes.centre(place.commune) if place.commune else {"latitude": None, "longitude": None})  # never typed by hand
    return body, place


def letting_body(form: FormData, errors: forms.FieldErrors) -> dict[str, Any]:
    """What a unit or a room is let for: its ceiling, furniture, accessibility, amounts, availability, description."""
    body: dict[str, Any] = {"ceiling_height_m": forms.number(form, "ceiling_height_m", errors)}
    body["furnished"] = forms.checked(form, "furnished")
    body["accessibility"] = [a for a in forms.chosen(form, "accessibility") if a in ACCESSIBILITY]
    for name in AMOUNTS:
        body[name] = forms.cents(form, name, errors)
    body["available_from"] = forms.day(form, "available_from", errors)
    body["minimum_duration_months"] = forms.number(form, "minimum_duration_months", errors, required=False, whole=True)
    description = forms.text(form, "description")
    body["description"] = {"fr": description} if description else {}
    return body


def diagnosis_body(form: FormData, errors: forms.FieldErrors) -> dict[str, Any]:
    """The energy diagnosis (DPE) of a home."""
    body: dict[str, Any] = {"energy_class": forms.text(form, "energy_class")}
    if body["energy_class"] not in ENERGY_CLASSES:
        errors.add("energy_class", _("Choose the energy class of the diagnosis."))
    body["primary_energy_kwh"] = forms.number(form, "primary_energy_kwh", errors)
    body["emissions_kg"] = forms.number(form, "emissions_kg", errors)
    body["final_energy_kwh"] = forms.number(form, "final_energy_kwh", errors, required=False)
    body["main_energy"] = forms.text(form, "main_energy") or None
    if body["main_energy"] is not None and body["main_energy"] not in MAIN_ENERGIES:
        errors.add("main_energy", _("Choose the main energy the diagnosis names, or leave it empty."))
    body["dpe_date"] = forms.day(form, "dpe_date", errors)
    return body


def schemes_body(form: FormData, errors: forms.FieldErrors) -> list[str]:
    schemes = [s for s in forms.chosen(form, "schemes") if s in SCHEMES]
    if not schemes:
        errors.add("schemes", _("Choose at least one way of letting the unit."))
    return schemes


def postal_code_of(form: FormData, place: communes.Found) -> str:
    """The unit's postal code, one of its commune's, never typed: the one chosen in the list (when the
    commune has several), else the one the suggestion named ("Montpellier (34000)"), else the commune's
    only one; "" when it must be chosen (a code from another commune, sent by hand, is not kept)."""
    if place.commune is None:
        return ""
    chosen = forms.text(form, "postal_code").replace(" ", "")
    for candidate in (chosen, place.postal_code or ""):
        if candidate in place.commune.postal_codes:
            return candidate
    return place.commune.postal_codes[0] if len(place.commune.postal_codes) == 1 else ""


@dataclass(frozen=True)
class Withdrawal:
    """Why a unit last left the market, as listings keeps it on the unit (``UnitOut.withdrawal``)."""

    reason: str
    """owner, letting_ban, dpe_expired or rules (listings' codes)."""
    day: date
    """The day it left, where the home stands (overseas homes have their own)."""
    rules: list[str]
    """What each rule that refused it checks, in the reader's language."""


def withdrawal_of(unit: dict[str, Any] | None) -> Withdrawal | None:
    """Why a draft or withdrawn unit left the market, from listings' ``withdrawal`` (its reason, rules and
    moment; null once published again). A unit without one, or one the page cannot read, says nothing:
    the page never guesses from dates."""
    if not unit or unit.get("status") not in ("draft", "withdrawn"):
        return None
    given = unit.get("withdrawal")
    if not isinstance(given, dict) or given.get("reason") not in WITHDRAWAL_REASONS:
        return None
    try:
        moment = datetime.fromisoformat(str(given["at"]).replace("Z", "+00:00"))
        day = local_day(moment, str(unit.get("departement") or "") or None)
    except (KeyError, ValueError):
        return None
    rules = [rule_title(str(rule)) for rule in given.get("rules") or [] if isinstance(rule, str)]
    return Withdrawal(str(given["reason"]), day, rules)


@router.get("/communes", response_class=HTMLResponse, summary="Communes matching what is typed (the options of the commune field)")
async def commune_options(request: Request, page: Owner) -> HTMLResponse:
    return page.render("owner/_commune_options.html", found=communes.suggestions(communes.typed_in(request.query_params)))


def values_of_unit(unit: dict[str, Any]) -> dict[str, Any]:
    """A stored unit as the form's values (amounts back in euros, as people type them)."""
    values = {k: v for k, v in unit.items() if not isinstance(v, dict)}
    values["commune"] = f"{unit['commune']} ({unit['postal_code']})"
    for name in AMOUNTS:
        values[name] = f"{unit[name] / 100:.2f}".replace(".00", "")
    for name in ("living_area_m2", "ceiling_height_m", "primary_energy_kwh", "emissions_kg", "final_energy_kwh"):
        values[name] = "" if unit.get(name) is None else f"{unit[name]:g}"
    values["minimum_duration_months"] = unit.get("minimum_duration_months") or ""
    values["description"] = (unit.get("description") or {}).get("fr", "")
    host = unit.get("host") or {}
    values["host_aged_60_or_over"] = host.get("aged_60_or_over", False)
    values["host_occupancy"] = host.get("occupancy", "")
    values["host_landlord_informed_on"] = host.get("landlord_informed_on") or ""
    return values
