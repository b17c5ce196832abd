"""The household accepts its association's invitation: signed in with its own account (the household
role), it gives the code it was handed (the invitation's link fills it in), and its account is linked to
the file the association registered. The matching service decides (``usecases/invitations.py``): a code
that links nothing, an account already linked, a file already linked are each said in the reader's
language, and nothing changes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.visit import SignInFirst, Visit, for_roles, visit

router = APIRouter()
CODE_LENGTH = 100
"""The longest code the form takes (the service's own limit)."""


async def household_page(page: Visit = Depends(visit)) -> Visit:
    """The household signed in; a visitor who is not yet comes back here through the login with the code
    of the invitation's link (``for_roles`` alone would bring it back without the query)."""
    if page.caller is None:
        code = page.request.query_params.get("code", "")[:CODE_LENGTH] if page.request.method == "GET" else ""
        raise SignInFirst(page.link("/invitation", code=code))
    return await for_roles("household")(page)


Page = Annotated[Visit, Depends(household_page)]


@router.get("/invitation", response_class=HTMLResponse, summary="Link my file: the code my association handed me")
async def invitation(page: Page, code: Annotated[str, Query(max_length=CODE_LENGTH)] = "") -> HTMLResponse:
    response = await _form(page, {"code": code}, forms.FieldErrors())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the code in the address is never sent on
    return response


@router.post("/invitation", response_class=HTMLResponse, summary="Link my file to my account with the invitation's code")
async def accept(page: Page) -> Response:
    form = await page.form()
    code = forms.text(form, "code")[:CODE_LENGTH]
    errors = forms.FieldErrors()
    if not code:
        errors.add("code", _("Enter the code your association gave you."))
        return await _form(page, {"code": code}, errors, status=422)
    try:
        await page.api("POST", "matching", "/v1/household-invitations/accept", json_body={"code": code})
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        errors.add("code", explained(exc))
        return await _form(page, {"code": code}, errors, status=exc.status)
    page.notify("success", _("Your file is linked to your account: here it is."))
    return page.redirect("/household")


async def _form(page: Visit, values: dict[str, Any], errors: forms.FieldErrors, status: int = 200) -> HTMLResponse:
    linked = await page.every("matching", "/v1/households")  # a household lists only its own file
    return page.render("household/invitation.html", status=status, values=values, errors=errors, linked=bool(linked))
