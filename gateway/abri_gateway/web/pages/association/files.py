"""Guarantee files: the list with the placements waiting for one, filing (pre-checked at once against
the fund's policy: a refused pre-check is shown on the form, each failed rule once with what the fund
accepts, and nothing is stored), answering the fund's request, withdrawal, the visa PDF."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.file_views import view_counts, view_filter, view_names
from abri_gateway.web.households import is_erased
from abri_gateway.web.i18n import date_text, euros
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.association.documents import file_page
from abri_gateway.web.pages.association.shared import (
    FILE_OPEN,
    Cursor,
    Page,
    act,
    api_errors,
    household_references,
    not_found,
    render,
    uuid_or_404,
)
from abri_gateway.web.pages.association.tenant import (
    RULE_FIELDS,
    TENANT_FIELDS,
    file_errors,
    file_values,
    tenant_body,
    tenant_from_household,
    tenant_values,
)
from abri_gateway.web.pages.association.words import term
from abri_gateway.web.refusals import coded
from abri_gateway.web.visit import PageError, Visit

router = APIRouter()


SHOWN = ("all", "information_requested", "queue", "overdue", "approved", "rejected", "ineligible", "withdrawn")
"""The views of the association's files (every file by default; the fund's questions to answer next), each
with its true count: the same views, names and counts as the fund's queue (``web/file_views.py``)."""
PER_PAGE = 20


@router.get("/files", response_class=HTMLResponse, summary="My association's guarantee files by status, in pages; placements to file")
async def files(page: Page, show: Annotated[str, Query()] = "all", cursor: Cursor = None) -> HTMLResponse:
    view = show if show in SHOWN else "all"
    ours, next_cursor = await page.page_of("guarantees", "/v1/files", cursor, limit=PER_PAGE, **view_filter(view))
    counts = view_counts(await page.api("GET", "guarantees", "/v1/files/counts"))
    open_for = {f["placement_id"] for f in await page.every("guarantees", "/v1/files", status=[*FILE_OPEN, "approved"])}
    waiting = [p for p in await page.every("matching", "/v1/placements", status="awaiting_guarantee") if p["id"] not in open_for]
    references = await household_references(page)
    funds = {f["fund_id"]: f["name"] for f in await page.every("guarantees", "/v1/funds")}  # each fund by its name, never its id
    names = view_names()
    return render(
        page, "files.html", files=ours, waiting=waiting, references=references, funds=funds, view=view, counts=counts,
        views={name: names[name] for name in SHOWN},
        next_link=next_cursor and page.link("/association/files", show=view, cursor=next_cursor),
        first_link=cursor and page.link("/association/files", show=view),
    )  # fmt: skip


@router.get("/files/new", response_class=HTMLResponse, summary="File the guarantee for a placement waiting for one")
async def new_file(request: Request, page: Page) -> HTMLResponse:
    current = await page.get("matching", f"/v1/placements/{uuid_or_404(request.query_params.get('placement_id', ''))}")
    values: dict[str, Any] = {"placement_id": current["id"]}
    if current.get("household_id"):
        values |= await tenant_from_household(page, current["household_id"])
    return await _file_form(page, current, values, {})


@router.post("/files/new", response_class=HTMLResponse, summary="File the guarantee: pre-checked at once against the fund's policy")
async def create_file(page: Page) -> Response:
    form = await page.form()
    current = await page.get("matching", f"/v1/placements/{uuid_or_404(forms.text(form, 'placement_id'))}")
    tenant, errors = tenant_body(form)
    fund_id = forms.text(form, "fund_id")
    if not fund_id:
        errors.add("fund_id", _("Choose the fund to send the file to."))
    if errors:
        return await _file_form(page, current, file_values(form), errors, status=422)
    body = {"placement_id": current["id"], "fund_id": fund_id, "tenant": tenant}
    if current.get("household_id"):  # the association's reference for the household: the fund's pages title the file with it
        record = await page.get("matching", f"/v1/households/{current['household_id']}")
        if not is_erased(record):  # never the placeholder erasure leaves
            body["household_reference"] = record["reference"]
    try:
        created = await page.api("POST", "guarantees", "/v1/files", json_body=body)
    except ApiError as exc:
        if refused_precheck(exc):
            found = _(
                "The fund's pre-check found rules this file does not meet: see each one next to its field. "
                "Correct the file, or choose another fund, and file it again."
            )
            page.notices.append(("error", found + " " + _("Nothing was sent to the fund, and nothing is kept.")))
            return await _file_form(page, current, file_values(form), precheck_errors(exc), status=422)
        return await _file_form(page, current, file_values(form), file_errors(exc), status=exc.status if exc.status < 500 else 502)
    page.notify("success", _("The file is sent to the fund: it will be reviewed by the deadline shown."))
    return page.redirect(f"/association/files/{created['id']}")


@router.get("/files/{file_id}", response_class=HTMLResponse, summary="A guarantee file: timeline, documents, visa")
async def file(file_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await file_page(page, file_id, {})


@router.post("/files/{file_id}/withdraw", summary="Withdraw a file before the decision")
async def withdraw_file(file_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    await page.get("guarantees", f"/v1/files/{file_id}")
    return await act(
        page, "POST", "guarantees", f"/v1/files/{file_id}/withdrawal", back=f"/association/files/{file_id}",
        done=_("The file is withdrawn."), refused=_("The file is decided: it can no longer be withdrawn."),
    )  # fmt: skip


@router.get("/files/{file_id}/resubmit", response_class=HTMLResponse, summary="Answer the fund's request: the file updated")
async def resubmit_form(file_id: uuid.UUID, page: Page) -> HTMLResponse:
    current = await page.get("guarantees", f"/v1/files/{file_id}")
    tenant = await page.api("GET", "guarantees", f"/v1/files/{file_id}/tenant", params={"purpose": "information_request_answer"})
    return _resubmit_form(page, current, tenant_values(tenant), {})


@router.post("/files/{file_id}/resubmit", response_class=HTMLResponse, summary="Answer the fund's request: file it again")
async def resubmit(file_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    current = await page.get("guarantees", f"/v1/files/{file_id}")
    tenant, errors = tenant_body(form)
    if not errors:
        try:
            answered = await page.api("POST", "guarantees", f"/v1/files/{file_id}/resubmissions", json_body={"tenant": tenant})
        except ApiError as exc:
            if exc.status == 409:
                page.notify("error", _("The fund is not waiting for an answer on this file."))
                return page.redirect(f"/association/files/{file_id}")
            if refused_precheck(exc):
                page.notices.append(
                    (
                        "error",
                        _(
                            "The fund's pre-check found rules the updated file does not meet: see each one next to its field. "
                            "Nothing was sent: the fund still waits for your answer."
                        ),
                    )
                )
                errors = precheck_errors(exc)
            else:
                errors = file_errors(exc)
        else:
            if answered["status"] == "ineligible":  # a service before pre-checks were refused with 422
                page.notify(
                    "error", _("The fund's pre-check found rules the updated file does not meet: the file is closed as not eligible.")
                )
            else:
                page.notify("success", _("Your answer is sent: the fund reviews the file again."))
            return page.redirect(f"/association/files/{file_id}")
    return _resubmit_form(page, current, file_values(form), errors, status=422)


PRECHECK_FAILED = "precheck_failed"
"""The guarantees service's code for a refused pre-check (422; nothing stored)."""


def refused_precheck(exc: ApiError) -> bool:
    return exc.status == 422 and exc.problem.get("code") == PRECHECK_FAILED


def precheck_errors(exc: ApiError) -> forms.FieldErrors:
    """The fund's refused pre-check on the form: each failed rule once (never the same sentence under four
    fields), next to the first fact of the tenant it turns on, else the first field its rule reads, else at
    the top; its sentence says what the fund accepts instead (``refusals.py``)."""
    errors = forms.FieldErrors()
    for failure in exc.errors:
        named = [TENANT_FIELDS.get(str(path).removeprefix("body.")) for path in failure.get("fields") or []]
        place = next((name for name in named if name), None) or RULE_FIELDS.get(str(failure.get("rule")), ("_form",))[0]
        errors.add(place, coded(failure))
    return errors


def _resubmit_form(page: Visit, current: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200) -> HTMLResponse:
    requests = [s for s in current.get("steps") or [] if s["action"] == "request_information"]
    return render(
        page, "resubmit.html", status=status, file=current, values=values, errors=errors, last_request=requests[-1] if requests else None
    )


LEASE_CHECK_FIELDS = {"signed_on": "lease_signed_on", "rent_and_charges_cents": "lease_rent"}
"""Where the lease check's refusals go on its form (guarantees: ``POST /v1/files/{id}/visa/lease-check``)."""


@router.post(
    "/files/{file_id}/lease-check",
    response_class=HTMLResponse,
    summary="Before signing: would this lease activate the visa? (nothing recorded)",
)
async def check_lease(file_id: uuid.UUID, page: Page) -> HTMLResponse:
    form = await page.form()
    errors = forms.FieldErrors()
    signed_on, rent = forms.day(form, "lease_signed_on", errors), forms.cents(form, "lease_rent", errors)
    typed = {name: forms.text(form, name) for name in LEASE_CHECK_FIELDS.values()}
    if errors:
        return await file_page(page, file_id, errors, status=422, lease=typed)
    try:
        checked = await page.api(
            "POST",
            "guarantees",
            f"/v1/files/{file_id}/visa/lease-check",
            json_body={"signed_on": signed_on, "rent_and_charges_cents": rent},
        )
    except ApiError as exc:
        if exc.status in (403, 404):  # another association's file, or one without a visa
            raise not_found() from exc
        refused = api_errors(exc, LEASE_CHECK_FIELDS, on_form=tuple(LEASE_CHECK_FIELDS.values()))
        return await file_page(page, file_id, refused, status=exc.status, lease=typed)
    judged = checked["judged_signing_day"]
    page.notices.append(
        (
            "success",
            _(
                "A lease signed on %(day)s at %(rent)s a month would activate visa %(number)s.",
                day=date_text(judged),
                rent=euros(rent),
                number=checked["visa_number"],
            ),
        )
    )
    if judged != signed_on:
        page.notices.append(
            (
                "info",
                _(
                    "A lease reported today is taken as signed no earlier than %(day)s: the fund checks it on that day.",
                    day=date_text(judged),
                ),
            )
        )
    return await file_page(page, file_id, {}, lease=typed)


@router.get("/files/{file_id}/visa.pdf", summary="The visa certificate (PDF)")
async def visa_pdf(file_id: uuid.UUID, page: Page) -> Response:
    try:
        return await page.download("guarantees", f"/v1/files/{file_id}/visa.pdf")
    except ApiError as exc:
        if exc.status in (403, 404, 409, 410):
            raise PageError(404, _("This file has no visa to download.")) from exc
        raise


async def _file_form(
    page: Visit, current: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    funds = await page.every("guarantees", "/v1/funds")
    record = await page.get("matching", f"/v1/households/{current['household_id']}") if current.get("household_id") else None
    fund_options = [(f["fund_id"], f"{f['name']} ({term('fund_kind', f['kind'])})") for f in funds]
    return render(
        page, "file_form.html", status=status, placement=current, household=record, values=values, errors=errors, fund_options=fund_options
    )
