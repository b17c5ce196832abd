"""Erasing a household's data everywhere, on its behalf: a confirmation step that says what each part of
Abri erases and what the law keeps, the request (a CSRF-checked form), then the erasure's state per
service (pending, or completed with its date and what that service keeps, why and until when), which
the same address shows again later.

The request goes to matching (``POST /v1/households/{id}/erasure``): matching erases its own copies at
once and tells the other services, which answer with their receipts; the page reads the state from
matching (``GET``). Another association's household is the 404 page, as everywhere.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.association.shared import Page, api_errors, not_found, render
from abri_gateway.web.visit import Visit

router = APIRouter()

SERVICES = ("matching", "guarantees", "notifications", "listings", "assistant")
"""The parts of Abri an erasure reaches, in the order the page shows them."""
CONFIRMATION = "confirm"


@router.get("/households/{household_id}/erasure", response_class=HTMLResponse, summary="Erase a household's data: confirm, or its state")
async def erasure(household_id: uuid.UUID, page: Page) -> HTMLResponse:
    household = await page.get("matching", f"/v1/households/{household_id}")
    state = await erasure_state(page, household_id)
    return _erasure_page(page, household, state, {})


@router.post(
    "/households/{household_id}/erasure", response_class=HTMLResponse, summary="Ask for the erasure of a household's data everywhere"
)
async def request_erasure(household_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    household = await page.get("matching", f"/v1/households/{household_id}")
    if CONFIRMATION not in forms.chosen(form, CONFIRMATION):
        errors = forms.FieldErrors()
        errors.add(CONFIRMATION, _("Tick the box to confirm that the household asked for the erasure of its data."))
        return _erasure_page(page, household, await erasure_state(page, household_id), errors, status=422)
    try:
        await page.api("POST", "matching", f"/v1/households/{household_id}/erasure", json_body={})
    except ApiError as exc:
        if exc.status in (403, 404):
            raise not_found() from exc
        return _erasure_page(page, household, None, api_errors(exc), status=exc.status)
    page.notify("success", _("The erasure is asked: Abri erased the household's data in matching, and the other parts follow."))
    return page.redirect(f"/association/households/{household_id}/erasure")


async def erasure_state(page: Visit, household_id: uuid.UUID) -> dict[str, Any] | None:
    """The erasure's state per service, or None when none was asked (matching answers 404 then; the
    household itself was read first, so a 404 here is not another association's)."""
    try:
        state: dict[str, Any] = await page.api("GET", "matching", f"/v1/households/{household_id}/erasure")
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
    order = {name: n for n, name in enumerate(SERVICES)}
    state["services"] = sorted(state["services"], key=lambda service: order.get(service["service"], len(order)))
    return state


def _erasure_page(
    page: Visit, household: dict[str, Any], state: dict[str, Any] | None, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return render(page, "erasure.html", status=status, household=household, erasure=state, errors=errors, confirmation=CONFIRMATION)
