"""Searching the published units: filters in the query string (none is personal data), pages, and
the results refreshed in place with htmx. Communes are picked by name and a place is a commune (its
centre): the query string carries their INSEE codes and position, nobody types them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from abri_gateway.web import communes, forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.departements import DEPARTEMENTS
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import ACCESSIBILITY, SCHEMES
from abri_gateway.web.pages.association.shared import Page, api_errors, render
from abri_kit.communes import fold

router = APIRouter()

SORTS = ("available_from", "total_cost", "distance", "newest")
DEPARTEMENT = re.compile(r"^(\d{2,3}|2A|2B)$")


@router.get("/units", response_class=HTMLResponse, summary="Search published units (results update in place with htmx)")
async def search_units(request: Request, page: Page) -> HTMLResponse:
    values, pairs, errors, picked, around = search_filters(request)
    found: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        try:
            found = await page.api("GET", "listings", "/v1/search/units?" + urlencode(pairs, doseq=True))
        except ApiError as exc:
            if exc.status == 400:  # a cursor from another search: start again
                found = await page.api("GET", "listings", "/v1/search/units?" + urlencode([p for p in pairs if p[0] != "cursor"]))
            else:
                errors = api_errors(exc, {"commune": "commune", "max_total_cents": "max_total", "radius_km": "radius_km", "lat": "around"})
    next_link = None
    if found.get("next_cursor"):
        next_link = "/association/units?" + urlencode([p for p in pairs if p[0] != "cursor"] + [("cursor", found["next_cursor"])])
    context = {
        "values": values, "errors": errors, "units": found["items"], "next_link": next_link,
        "sorts": SORTS, "schemes": SCHEMES, "accessibility": ACCESSIBILITY, "house_rules": HOUSE_RULES, "searched": bool(pairs),
        "picked": picked, "around_choices": [(c.insee_code, communes.described(c)) for c in around.choices],
        "departements": sorted(DEPARTEMENTS.items(), key=lambda item: fold(item[1])),
    }  # fmt: skip
    picking = (request.headers.get("hx-trigger-name") or "").startswith("commune_")  # "Add", "Remove": the whole form again
    if request.headers.get("hx-request") and not picking:
        return render(page, "_unit_results.html", partial=True, **context)  # htmx swaps 2xx only: errors show in the results
    return render(page, "units.html", status=422 if errors else 200, partial=False, **context)


HOUSE_RULES = ("smoke_free", "quiet_hours")
"""The house rules a search of rooms filters on (the listings API's parameters of the same names)."""


def search_filters(request: Request) -> tuple[dict[str, Any], list[tuple[str, str]], forms.FieldErrors, communes.Picked, communes.Found]:
    """The search form's filters (a GET: none of them is personal data) as the API's query string, with
    the communes picked and the commune named as the place (the choices, when a name matches several)."""
    query = request.query_params
    errors = forms.FieldErrors()
    values: dict[str, Any] = {name: query.get(name, "").strip() for name in (
        "departement", "max_total", "min_rooms", "min_area_m2", "available_by", "sort", "around", "radius_km", "home"
    )}  # fmt: skip
    values["accessibility"] = [a for a in query.getlist("accessibility") if a in ACCESSIBILITY]
    values["scheme"] = [s for s in query.getlist("scheme") if s in SCHEMES]
    pairs: list[tuple[str, str]] = []
    picked = communes.picked(query, "commune")
    if picked.error and not (picked.changed and not picked.typed):  # an empty "Add" is no error in a search
        errors.add("commune", picked.error)
    pairs += [("commune", c) for c in picked.codes]
    departements = [d.upper() for d in re.split(r"[\s,;]+", values["departement"]) if d]
    if any(not DEPARTEMENT.fullmatch(d) for d in departements):
        errors.add("departement", _("Choose the département in the list."))
    pairs += [("departement", d) for d in departements]
    fake = FormData(list(query.multi_items()))
    max_total = forms.cents(fake, "max_total", errors, required=False)
    if max_total is not None:
        pairs.append(("max_total_cents", str(max_total)))
    min_rooms = forms.number(fake, "min_rooms", errors, required=False, whole=True)
    if min_rooms is not None:
        if not 1 <= min_rooms <= 20:
            errors.add("min_rooms", _("Enter a number of rooms from 1 to 20."))
        pairs.append(("min_rooms", str(min_rooms)))
    min_area = forms.number(fake, "min_area_m2", errors, required=False)
    if min_area is not None:
        if not 0 < min_area <= 1000:
            errors.add("min_area_m2", _("Enter an area from 1 to 1,000 m²."))
        pairs.append(("min_area_m2", f"{min_area:g}"))
    available_by = forms.day(fake, "available_by", errors, required=False)
    if available_by:
        pairs.append(("available_by", available_by))
    around = communes.resolve(values["around"], query.get("around_choice", ""))
    point = [values[name] for name in ("around", "radius_km")]
    if any(point):
        radius = forms.number(fake, "radius_km", errors)
        if around.commune is None:
            several = _("Several communes match: choose yours in the list.")
            errors.add(
                "around", several if around.choices else _("Type the name of the commune to search around, and choose it in the list.")
            )
        else:
            values["around"] = communes.shown(around.commune)
        if radius is not None and not 0 < radius <= 200:
            errors.add("radius_km", _("Enter a radius from 1 to 200 km."))
        elif radius is not None and around.commune is not None:
            centre = communes.centre(around.commune)  # the commune's centre: never typed
            pairs += [("lat", f"{centre['latitude']:g}"), ("lon", f"{centre['longitude']:g}"), ("radius_km", f"{radius:g}")]
    pairs += [("accessibility", a) for a in values["accessibility"]] + [("scheme", s) for s in values["scheme"]]
    if values["home"] in ("whole", "room"):
        pairs.append(("home", values["home"]))
    else:
        values["home"] = "any"
    values["house_rules"] = [rule for rule in query.getlist("house_rules") if rule in HOUSE_RULES]
    pairs += [(rule, "true") for rule in values["house_rules"]]
    sort = values["sort"] or "available_from"
    if sort not in SORTS:
        sort = "available_from"
    if sort == "distance" and not any(point):
        errors.add("sort", _("To sort by distance, give a commune and a radius around it."))
    if sort != "available_from":
        pairs.append(("sort", sort))
    limit = query.get("limit", "")
    if limit.isdigit() and 1 <= int(limit) <= 100:
        pairs.append(("limit", limit))
    cursor = query.get("cursor", "")
    if cursor and len(cursor) <= 500:
        pairs.append(("cursor", cursor))
    return values, pairs, errors, picked, around
