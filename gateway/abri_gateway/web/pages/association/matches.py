"""Explained matches both ways (a household's best units, a unit's best households) and proposing one
of my households for a unit."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from abri_gateway.web import forms, refusals
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import SCHEMES
from abri_gateway.web.pages.association.shared import INSEE, Page, api_errors, render, uuid_or_404
from abri_gateway.web.visit import Visit

router = APIRouter()


@router.get("/households/{household_id}/matches", response_class=HTMLResponse, summary="A household's best units, with the reasons")
async def household_matches(household_id: uuid.UUID, page: Page) -> HTMLResponse:
    record = await page.get("matching", f"/v1/households/{household_id}")
    matches: list[dict[str, Any]] = []
    if record["status"] == "searching":
        matches = await page.api("GET", "matching", f"/v1/households/{household_id}/matches", params={"limit": 20})
    return render(page, "matches.html", household=record, matches=matches)


@router.get("/units/{unit_id}", response_class=HTMLResponse, summary="A published unit's best households, with the reasons")
async def unit_candidates(unit_id: uuid.UUID, request: Request, page: Page) -> HTMLResponse:
    candidates = await page.get("matching", f"/v1/units/{unit_id}/candidates", limit=20)
    unit = await _published_unit(page, unit_id, request.query_params.get("commune", ""))
    schemes = [s for s in SCHEMES if s in unit["schemes"]] if unit else list(SCHEMES)
    return render(page, "unit.html", unit_id=str(unit_id), unit=unit, candidates=candidates, schemes=schemes)


async def _published_unit(page: Visit, unit_id: uuid.UUID, commune: str) -> dict[str, Any] | None:
    """The unit as the search shows it, looked up in its commune (listings has no read by id for associations)."""
    if not INSEE.fullmatch(commune.upper()):
        return None
    pairs: list[tuple[str, str]] = [("commune", commune.upper()), ("limit", "100")]
    for _page in range(5):
        found = await page.api("GET", "listings", "/v1/search/units?" + urlencode(pairs))
        for hit in found["items"]:
            if hit["id"] == str(unit_id):
                return dict(hit)
        if not found.get("next_cursor"):
            return None
        pairs = [("commune", commune.upper()), ("limit", "100"), ("cursor", found["next_cursor"])]
    return None


@router.get("/propose", response_class=HTMLResponse, summary="Propose one of my households for a unit: confirm")
async def propose_form(request: Request, page: Page) -> HTMLResponse:
    household_id, unit_id = request.query_params.get("household_id", ""), request.query_params.get("unit_id", "")
    record = await _household_or_404(page, household_id)
    uuid_or_404(unit_id)
    return render(page, "propose.html", household=record, values={"unit_id": unit_id, "scheme": ""}, errors={}, schemes=SCHEMES)


@router.post("/propose", response_class=HTMLResponse, summary="Propose one of my households for a unit")
async def propose(page: Page) -> Response:
    form = await page.form()
    household_id, unit_id, scheme = forms.text(form, "household_id"), forms.text(form, "unit_id"), forms.text(form, "scheme")
    record = await _household_or_404(page, household_id)
    uuid_or_404(unit_id)
    errors, status = forms.FieldErrors(), 422
    if scheme not in SCHEMES:
        errors.add("scheme", _("Choose the scheme under which the household would be housed."))
    if not errors:
        try:
            placement = await page.api(
                "POST", "matching", "/v1/placements", json_body={"household_id": household_id, "unit_id": unit_id, "scheme": scheme}
            )
        except ApiError as exc:
            errors, status = _proposal_errors(exc), 422 if exc.status == 422 else 409
        else:
            page.notify("success", _("The proposal is sent: the owner has 7 days to answer."))
            return page.redirect(f"/association/placements/{placement['id']}")
    values = {"unit_id": unit_id, "scheme": scheme}
    return render(page, "propose.html", status=status, household=record, values=values, errors=errors, schemes=SCHEMES)


def _proposal_errors(exc: ApiError) -> forms.FieldErrors:
    errors = forms.FieldErrors()
    if exc.status == 422 and any(refusals.is_coded(item) for item in exc.errors):  # the rules that refuse it, with their sources
        return forms.api_field_errors(exc, {"unit_id": "_form"}, on_form=("scheme",))
    if exc.status == 422:
        errors.add("scheme", _("The unit does not accept this scheme: choose one of the unit's schemes."))
    elif exc.status == 404:
        errors.add("_form", _("This unit is no longer open to proposals."))
    elif exc.status == 409:  # not searching, the unit already proposed, the household erased...
        errors.add("_form", explained(exc))
    else:
        return api_errors(exc)
    return errors


async def _household_or_404(page: Visit, household_id: str) -> dict[str, Any]:
    return dict(await page.get("matching", f"/v1/households/{uuid_or_404(household_id)}"))
