"""The owner's pages: my units (create, edit, publish, withdraw), proposals to answer, my guarantees
with unpaid-rent claims, and the visa check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from abri_gateway.web import communes, forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import ACCESSIBILITY, SCHEMES
from abri_gateway.web.refusals import rule_title
from abri_gateway.web.visit import PageError, Visit, for_roles
from abri_kit.clock import local_day

router = APIRouter(prefix="/owner")
Owner = Annotated[Visit, Depends(for_roles("owner"))]

KINDS = ("studio", "apartment", "house", "room")
ENERGY_CLASSES = ("A", "B", "C", "D", "E", "F", "G")
AMOUNTS = ("rent_cents", "charges_cents", "deposit_cents")
PLACE_FIELDS = {"insee_code": "commune", "departement": "commune", "commune": "commune"}
"""Where listings' errors on a home's place go on the form: the commune is chosen by name (its INSEE code
and département come from the commune table)."""
DECLINE_REASONS = ("unit_no_longer_available", "prefers_another_proposal", "guarantee_insufficient", "other")
WITHDRAWAL_REASONS = ("owner", "letting_ban", "dpe_expired", "rules")
"""Why listings says a unit left the market (``abri_contracts.listings.WithdrawalReason``)."""


# --- units ------------------------------------------------------------------------------------------
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
        return _unit_form(page, None, _values(form, place), _errors_of(exc), status=exc.status if exc.status < 500 else 502, place=place)
    if forms.text(form, "action") == "publish":
        return await _publish(page, created, _values(form, place))
    page.notify("success", _("The draft is saved. Publish it when it is ready."))
    return page.redirect(f"/owner/units/{created['id']}")


@router.get("/units/{unit_id}", response_class=HTMLResponse, summary="One of my units: edit, publish, withdraw")
async def unit(unit_id: uuid.UUID, page: Owner) -> HTMLResponse:
    current = await page.get("listings", f"/v1/units/{unit_id}")
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
        return _unit_form(page, current, _values(form, place), _errors_of(exc), status=exc.status if exc.status < 500 else 502, place=place)
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
        return _unit_form(page, fresh, values, _errors_of(exc), status=422)
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
        commune_choices=[(c.insee_code, f"{c.name} ({', '.join(c.postal_codes)}) · {c.insee_code}") for c in place.choices],
        postal_codes=[(code, code) for code in place.commune.postal_codes] if place.commune else [],
        kinds=KINDS,
        energy_classes=ENERGY_CLASSES,
        schemes=SCHEMES,
        accessibility=ACCESSIBILITY,
    )


def _errors_of(exc: ApiError) -> forms.FieldErrors:
    errors = forms.api_field_errors(exc, PLACE_FIELDS)
    if not errors:
        errors.add("_form", explained(exc))
    return errors


def _values(form: FormData, place: communes.Found) -> dict[str, Any]:
    values = forms.summary(dict(form))
    if place.commune is not None:  # the commune as the table names it, its code kept for the next post
        values["insee_code"] = place.commune.insee_code
        values["postal_code"] = forms.text(form, "postal_code") or place.postal_code or ""
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
    body: dict[str, Any] = {"street": forms.text(form, "street")}
    if not body["street"]:
        errors.add("street", _("This field is required."))
    place = communes.resolve(forms.text(form, "commune"), forms.text(form, "insee_code"))
    if place.commune is None and place.choices:
        errors.add("commune", _("Several communes match: choose yours in the list."))
    elif place.commune is None:
        errors.add("commune", _("Type the commune's name (or its postal code) and choose it in the list."))
    postal_code = forms.text(form, "postal_code").replace(" ", "") or (place.postal_code or "")
    if place.commune is not None and not postal_code and len(place.commune.postal_codes) == 1:
        postal_code = place.commune.postal_codes[0]
    if place.commune is not None and not postal_code:
        errors.add("postal_code", _("Choose the postal code of the address."))
    elif postal_code and (len(postal_code) != 5 or not postal_code.isdigit()):
        errors.add("postal_code", _("Enter the 5 digits of the postal code."))
    body["postal_code"] = postal_code
    body["insee_code"] = place.commune.insee_code if place.commune else ""
    body["latitude"] = forms.number(form, "latitude", errors, required=False)
    body["longitude"] = forms.number(form, "longitude", errors, required=False)
    body["kind"] = forms.text(form, "kind")
    if body["kind"] not in KINDS:
        errors.add("kind", _("Choose the kind of unit."))
    body["rooms"] = forms.number(form, "rooms", errors, whole=True)
    body["living_area_m2"] = forms.number(form, "living_area_m2", errors)
    body["ceiling_height_m"] = forms.number(form, "ceiling_height_m", errors)
    body["floor"] = forms.number(form, "floor", errors, whole=True)
    body["elevator"] = forms.checked(form, "elevator")
    body["furnished"] = forms.checked(form, "furnished")
    body["accessibility"] = [a for a in forms.chosen(form, "accessibility") if a in ACCESSIBILITY]
    for name in AMOUNTS:
        body[name] = forms.cents(form, name, errors)
    body["energy_class"] = forms.text(form, "energy_class")
    if body["energy_class"] not in ENERGY_CLASSES:
        errors.add("energy_class", _("Choose the energy class of the diagnosis."))
    body["primary_energy_kwh"] = forms.number(form, "primary_energy_kwh", errors)
    body["emissions_kg"] = forms.number(form, "emissions_kg", errors)
    body["final_energy_kwh"] = forms.number(form, "final_energy_kwh", errors, required=False)
    body["dpe_date"] = forms.day(form, "dpe_date", errors)
    body["schemes"] = [s for s in forms.chosen(form, "schemes") if s in SCHEMES]
    if not body["schemes"]:
        errors.add("schemes", _("Choose at least one way of letting the unit."))
    body["available_from"] = forms.day(form, "available_from", errors)
    body["minimum_duration_months"] = forms.number(form, "minimum_duration_months", errors, required=False, whole=True)
    description = forms.text(form, "description")
    body["description"] = {"fr": description} if description else {}
    return body, errors, place


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
async def commune_options(page: Owner, commune: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    return page.render("owner/_commune_options.html", found=communes.suggestions(commune))


def values_of_unit(unit: dict[str, Any]) -> dict[str, Any]:
    """A stored unit as the form's values (amounts back in euros, as people type them)."""
    values = {k: v for k, v in unit.items() if not isinstance(v, dict)}
    values["commune"] = f"{unit['commune']} ({unit['postal_code']})"
    for name in AMOUNTS:
        values[name] = f"{unit[name] / 100:.2f}".replace(".00", "")
    for name in ("latitude", "longitude", "living_area_m2", "ceiling_height_m", "primary_energy_kwh", "emissions_kg", "final_energy_kwh"):
        values[name] = "" if unit.get(name) is None else f"{unit[name]:g}"
    values["minimum_duration_months"] = unit.get("minimum_duration_months") or ""
    values["description"] = (unit.get("description") or {}).get("fr", "")
    return values


# --- proposals ----------------------------------------------------------------------------------------
@router.get("/proposals", response_class=HTMLResponse, summary="Proposals for my units, with the anonymous household summary")
async def proposals(page: Owner, cursor: Annotated[str | None, Query(max_length=1000)] = None) -> HTMLResponse:
    placements, next_cursor = await page.page_of("matching", "/v1/placements", cursor)
    units = {u["id"]: u for u in await page.every("listings", "/v1/units")}
    next_link = "/owner/proposals?" + urlencode({"cursor": next_cursor}) if next_cursor else None
    return page.render("owner/proposals.html", placements=placements, units=units, decline_reasons=DECLINE_REASONS, next_link=next_link)


@router.post("/proposals/{placement_id}/accept", summary="Accept a proposal")
async def accept(placement_id: uuid.UUID, page: Owner) -> RedirectResponse:
    form = await page.form()
    body = {"require_guarantee": forms.checked(form, "require_guarantee")}
    return await _answer(page, placement_id, "accept", body, _("You accepted the proposal: the association is told."))


@router.post("/proposals/{placement_id}/decline", summary="Decline a proposal (no penalty for the household)")
async def decline(placement_id: uuid.UUID, page: Owner) -> RedirectResponse:
    form = await page.form()
    reason = forms.text(form, "reason")
    if reason not in DECLINE_REASONS:
        page.notify("error", _("Choose why you decline."))
        return page.redirect("/owner/proposals")
    return await _answer(page, placement_id, "decline", {"reason": reason}, _("You declined the proposal: the association is told."))


@router.post("/proposals/{placement_id}/slide-agreement", summary="Agree that a sliding lease slides to the household")
async def agree_slide(placement_id: uuid.UUID, page: Owner) -> RedirectResponse:
    await page.form()
    return await _answer(page, placement_id, "slide-agreement", None, _("You agreed to the slide: the association is told."))


async def _answer(page: Visit, placement_id: uuid.UUID, verb: str, body: dict[str, Any] | None, done: str) -> RedirectResponse:
    placement = await page.get("matching", f"/v1/placements/{placement_id}")
    try:
        await page.api(
            "POST", "matching", f"/v1/placements/{placement_id}/{verb}", json_body=body, headers={"if-match": f'"{placement["version"]}"'}
        )
    except ApiError as exc:
        if exc.status >= 500:
            raise
        page.notify("error", explained(exc))
        return page.redirect("/owner/proposals")
    page.notify("success", done)
    return page.redirect("/owner/proposals")


# --- guarantees and claims ----------------------------------------------------------------------------
@router.get("/guarantees", response_class=HTMLResponse, summary="My guarantees and my claims, the latest first, each in pages")
async def guarantees(
    page: Owner,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    claims_cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> HTMLResponse:
    mine, next_cursor = await page.page_of("guarantees", "/v1/guarantees", cursor)
    claims, next_claims = await page.page_of("guarantees", "/v1/claims", claims_cursor)
    next_link = page.link("/owner/guarantees", cursor=next_cursor, claims_cursor=claims_cursor) if next_cursor else None
    claims_link = page.link("/owner/guarantees", cursor=cursor, claims_cursor=next_claims) if next_claims else None
    return page.render("owner/guarantees.html", guarantees=mine, claims=claims, next_link=next_link, claims_link=claims_link)


@router.get("/guarantees/{file_id}/claim", response_class=HTMLResponse, summary="Declare unpaid rent")
async def claim_form(file_id: uuid.UUID, page: Owner) -> HTMLResponse:
    guarantee = await page.get("guarantees", f"/v1/guarantees/{file_id}")
    values = {"due_cents": f"{guarantee['rent_and_charges_cents'] / 100:.2f}".replace(".00", "")}
    return page.render("owner/claim_form.html", guarantee=guarantee, values=values, errors={})


@router.post("/guarantees/{file_id}/claim", response_class=HTMLResponse, summary="Declare unpaid rent")
async def declare_claim(file_id: uuid.UUID, page: Owner) -> Response:
    form = await page.form()
    guarantee = await page.get("guarantees", f"/v1/guarantees/{file_id}")
    errors = forms.FieldErrors()
    month = {
        "due_on": forms.day(form, "due_on", errors),
        "due_cents": forms.cents(form, "due_cents", errors),
        "paid_by_tenant_cents": forms.cents(form, "paid_by_tenant_cents", errors, required=False) or 0,
        "housing_benefit_cents": forms.cents(form, "housing_benefit_cents", errors, required=False) or 0,
    }
    body = {"months": [month], "formal_notice_on": forms.day(form, "formal_notice_on", errors, required=False)}
    if not errors:
        try:
            await page.api("POST", "guarantees", f"/v1/guarantees/{file_id}/claims", json_body=body)
        except ApiError as exc:
            if exc.status >= 500:
                raise
            errors = forms.api_field_errors(exc, {"months.0.due_on": "due_on", "months.0.due_cents": "due_cents", "months": "due_cents"})
            if not errors:
                errors.add("_form", explained(exc))
    if errors:
        return page.render("owner/claim_form.html", status=422, guarantee=guarantee, values=forms.summary(dict(form)), errors=errors)
    page.notify("success", _("Your claim is filed: the fund is told."))
    return page.redirect("/owner/guarantees")


# --- visa check ---------------------------------------------------------------------------------------
@router.get("/visa-check", response_class=HTMLResponse, summary="Check a guarantee visa")
async def visa_check_form(page: Owner) -> HTMLResponse:
    return page.render("owner/visa_check.html", values={}, errors={}, status_found=None)


@router.post("/visa-check", response_class=HTMLResponse, summary="Check a guarantee visa")
async def visa_check(request: Request, page: Owner) -> HTMLResponse:
    form = await page.form()
    errors = forms.FieldErrors()
    number, name = forms.text(form, "number"), forms.text(form, "name")
    if not number:
        errors.add("number", _("Enter the visa number, as printed on the certificate."))
    if not name:
        errors.add("name", _("Enter the holder's name, as printed on the certificate."))
    found = None
    if not errors:
        try:
            reply = await page.site.api.public(
                "guarantees",
                "POST",
                "/v1/public/visa-checks",
                json_body={"number": number, "name": name},
                client_ip=request.client.host if request.client else None,
            )
            found = reply.body["status"]
        except ApiError as exc:
            if exc.status == 429:
                raise PageError(429, _("Too many checks in a short time: try again in a minute.")) from exc
            raise
    values = {"number": number}  # the holder's name is not shown back
    return page.render("owner/visa_check.html", status=422 if errors else 200, values=values, errors=errors, status_found=found)
