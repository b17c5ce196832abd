"""The owner's guarantees and unpaid-rent claims; the visa check is the public page (``pages/visa_check.py``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages import visa_check
from abri_gateway.web.pages.owner.shared import Owner

router = APIRouter()


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


# --- visa check: the public page (``pages/visa_check.py``), which the owner's menu leads to -----------
@router.get("/visa-check", summary="Check a guarantee visa: the public check page")
async def visa_check_form(page: Owner) -> RedirectResponse:
    return RedirectResponse(visa_check.PATH, status_code=303)


@router.post("/visa-check", response_class=HTMLResponse, summary="Check a guarantee visa (as on the public page)")
async def check_visa(request: Request, page: Owner) -> HTMLResponse:
    return await visa_check.check(request, page)
