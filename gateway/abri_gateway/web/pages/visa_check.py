"""The public visa check: the page a visa PDF links to (and its QR code opens), which anyone opens
without an account. An owner types the visa's number (filled in from the QR code's address) and the
holder's name; the page answers valid, expired, revoked or unknown and nothing else, from the
guarantees service's public check, which limits the checks per client address (the caller's address
is passed on; ``abri_kit.client_address`` has already read it through the trusted proxies).

The form carries no CSRF token for a visitor without a session: the check changes nothing and reads
nothing of the visitor's, so there is nothing to forge; a signed-in visitor's form is the same. The
holder's name is never shown back nor put in an address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.visit import PageError, Visit, visit

router = APIRouter()
Anyone = Annotated[Visit, Depends(visit)]
PATH = "/visa-check"
FORM_LIMIT = 4 * 1024
"""A number and a name: a few hundred bytes."""


@router.get(PATH, response_class=HTMLResponse, summary="Check a guarantee visa (public: no account needed)")
async def visa_check_form(page: Anyone, number: Annotated[str | None, Query(max_length=40)] = None) -> HTMLResponse:
    return page.render("visa_check.html", values={"number": number or ""}, errors={}, status_found=None)


@router.post(PATH, response_class=HTMLResponse, summary="Check a guarantee visa (public: no account needed)")
async def visa_check(request: Request, page: Anyone) -> HTMLResponse:
    return await check(request, page)


async def posted(request: Request) -> FormData:
    """The posted form, small (413 beyond ``FORM_LIMIT``; 411 without its length: a body sent in chunks,
    as no browser sends a form, would be read whole before its size is known)."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise PageError(411, _("This form has expired or did not come from Abri: reload the page and try again."))
    if int(length) > FORM_LIMIT:
        raise PageError(413, _("This form is too large."))
    return await request.form(max_files=0, max_fields=10)


async def check(request: Request, page: Visit) -> HTMLResponse:
    """Check the posted number and name, and show the answer (the owner's own page uses it too)."""
    form = await posted(request)
    errors = forms.FieldErrors()
    number, name = forms.text(form, "number"), forms.text(form, "name")
    if not number or len(number) > 40:
        errors.add("number", _("Enter the visa number, as printed on the certificate."))
    if not name or len(name) > 250:
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
    return page.render("visa_check.html", status=422 if errors else 200, values=values, errors=errors, status_found=found)
