"""Placements: the list, a placement's timeline, withdrawal, the signed lease, sliding-lease reviews and the slide."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import label
from abri_gateway.web.pages.association.shared import (
    FILE_OPEN,
    Cursor,
    Page,
    act_refused,
    api_errors,
    household_references,
    if_match,
    render,
    today_in_france,
)
from abri_gateway.web.visit import Visit

router = APIRouter()

WITHDRAW_REASONS = ("household_withdrew", "household_housed_elsewhere", "association_decision", "other")
LEASE_END_REASONS = ("social_housing", "moved_elsewhere", "owner_notice", "head_lease_ended", "eviction", "death", "other")
LEASE_TYPES = ("direct", "sub_let", "sliding", "cohabitation")
REVIEW_OUTCOMES = ("continue", "ready_to_slide")
REVIEW_PARTIES = ("association", "household", "owner")
"""Who takes part in a sliding lease's joint review (all three: CCH, art. L442-8-3)."""
LEASE_FIELDS = {"rent_cents": "rent", "charges_cents": "charges", **{f"services.{n}": "services" for n in range(10)}}
LEASE_FORM = ("signed_on", "starts_on", "lease_type", "rent", "charges", "under_mandate", "ends_on", "head_lease_ends_on", "services")
"""The lease form's fields: a refusal naming another goes at the top of the form."""


@router.get("/placements", response_class=HTMLResponse, summary="My association's placements")
async def placements(page: Page, cursor: Cursor = None) -> HTMLResponse:
    ours, next_cursor = await page.page_of("matching", "/v1/placements", cursor)
    references = await household_references(page)
    next_link = next_cursor and page.link("/association/placements", cursor=next_cursor)
    return render(page, "placements.html", placements=ours, references=references, next_link=next_link)


@router.get("/placements/{placement_id}", response_class=HTMLResponse, summary="A placement's timeline and what may be done next")
async def placement(placement_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await _placement_page(page, placement_id, _lease_defaults(), {})


async def _placement_page(
    page: Visit, placement_id: uuid.UUID, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    current = await page.get("matching", f"/v1/placements/{placement_id}")
    record = await page.get("matching", f"/v1/households/{current['household_id']}") if current.get("household_id") else None
    files = []
    if current["status"] in ("awaiting_guarantee", "guaranteed", "lease_signed", "slid", "guarantee_rejected"):
        files = await page.every("guarantees", "/v1/files", placement_id=str(placement_id))
    reviews = [s for s in current["timeline"] if s["step"] == "review"]
    ready_to_slide = bool(reviews) and reviews[-1].get("reason") == "ready_to_slide"
    location = await _location(page, current)
    return render(
        page, "placement.html", status=status, placement=current, household=record, files=files, values=values, errors=errors,
        guarantee=guarantee_state(current, files), location=location,
        withdraw_reasons=WITHDRAW_REASONS, lease_types=LEASE_TYPES, review_outcomes=REVIEW_OUTCOMES, ready_to_slide=ready_to_slide,
        review_parties=REVIEW_PARTIES, lease_end_reasons=LEASE_END_REASONS,
    )  # fmt: skip


ACCEPTED = ("accepted", "awaiting_guarantee", "guaranteed", "lease_signed", "slid", "guarantee_rejected")
"""The statuses after the owner's acceptance: listings then gives the association the home's street."""


async def _location(page: Visit, placement: dict[str, Any]) -> dict[str, Any] | None:
    """The home's exact address, once the owner accepted (listings gives it to the placement's association
    only; before, or when listings does not answer it, the page names the home by its commune)."""
    if placement["status"] not in ACCEPTED:
        return None
    try:
        return dict(await page.api("GET", "listings", f"/v1/units/{placement['unit_id']}/location"))
    except ApiError as exc:
        if exc.status in (403, 404):
            return None
        raise


def guarantee_state(placement: dict[str, Any], files: list[dict[str, Any]]) -> tuple[str, str]:
    """Where the rent guarantee is, from the placement's status and its files (the fund's decision moves both):
    a status code for the badge and its words. The placement's ``guarantee_required`` only says whether one
    is needed, so it is never shown alone once a file exists."""
    if not placement.get("guarantee_required") and not files:
        return "none", _("Not required")
    if placement["status"] == "guarantee_rejected":
        return "rejected", label("file_status", "rejected")
    chosen = next((f for f in files if f["status"] == "approved"), None) or next((f for f in files if f["status"] in FILE_OPEN), None)
    if chosen is None and placement["status"] in ("guaranteed", "lease_signed", "slid"):
        return "approved", label("file_status", "approved")
    if chosen is None and files:
        chosen = files[-1]
    if chosen is not None:
        return str(chosen["status"]), label("file_status", chosen["status"])
    return "to_file", _("Needed: not filed yet")


def _lease_defaults() -> dict[str, Any]:
    return {"signed_on": today_in_france(), "starts_on": today_in_france(), "parties": list(REVIEW_PARTIES)}


@router.post("/placements/{placement_id}/withdraw", response_class=HTMLResponse, summary="Withdraw a placement before the lease")
async def withdraw_placement(placement_id: uuid.UUID, page: Page) -> Response:
    return await _chosen_step(
        page, placement_id, "withdraw", "reason", WITHDRAW_REASONS, _("Choose why the placement is withdrawn."),
        _("The placement is withdrawn: the household is searching again."),
    )  # fmt: skip


@router.post("/placements/{placement_id}/lease", response_class=HTMLResponse, summary="Record the signed lease")
async def sign_lease(placement_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    lease_type = forms.text(form, "lease_type")
    if lease_type not in LEASE_TYPES:
        errors.add("lease_type", _("Choose the kind of lease."))
    signed_on, starts_on = forms.day(form, "signed_on", errors), forms.day(form, "starts_on", errors)
    body: dict[str, Any] = {
        "signed_on": signed_on,
        "starts_on": starts_on,
        "lease_type": lease_type,
        "rent_cents": forms.cents(form, "rent", errors, required=False),
        "charges_cents": forms.cents(form, "charges", errors, required=False),
        "under_mandate": forms.checked(form, "under_mandate"),
        "ends_on": forms.day(form, "ends_on", errors, required=False),
        "head_lease_ends_on": forms.day(form, "head_lease_ends_on", errors, required=False),
        "services": [line.strip() for line in forms.text(form, "services").splitlines() if line.strip()],
    }
    if len(body["services"]) > 10 or any(len(service) > 200 for service in body["services"]):
        errors.add("services", _("At most 10 services, each a short line (200 characters at most)."))
    if signed_on and signed_on > today_in_france():
        errors.add("signed_on", _("A lease is recorded once signed: enter a day that is not in the future."))
    elif signed_on and starts_on and starts_on < signed_on:
        errors.add("starts_on", _("The lease cannot start before it is signed."))
    if not errors:
        current = await page.get("matching", f"/v1/placements/{placement_id}")
        try:
            await page.api("POST", "matching", f"/v1/placements/{placement_id}/lease", json_body=body, headers=if_match(current["version"]))
        except ApiError as exc:
            errors = api_errors(exc, LEASE_FIELDS, on_form=LEASE_FORM)
        else:
            if body["lease_type"] == "cohabitation":
                page.notify("success", _("The signed contract is recorded: the host is told."))
            else:
                page.notify("success", _("The signed lease is recorded: the owner and the fund are told."))
            return page.redirect(f"/association/placements/{placement_id}")
    return await _placement_page(page, placement_id, forms.summary(dict(form)), errors, status=422)


@router.post("/placements/{placement_id}/lease-end", response_class=HTMLResponse, summary="Record that the signed lease ended")
async def end_lease(placement_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    reason = forms.text(form, "end_reason")
    if reason not in LEASE_END_REASONS:
        errors.add("end_reason", _("Choose why the lease ended."))
    ended_on = forms.day(form, "ended_on", errors)
    if ended_on and ended_on > today_in_france():
        errors.add("ended_on", _("Record the end on the day it happens: enter a day that is not in the future."))
    values = {**_lease_defaults(), "ended_on": forms.text(form, "ended_on"), "end_reason": reason}
    if errors:
        return await _placement_page(page, placement_id, values, errors, status=422)
    body = {"ended_on": ended_on, "reason": reason}
    return await _placement_step(page, placement_id, "lease-end", body, _("The end of the lease is recorded."), values)


@router.post("/placements/{placement_id}/reviews", response_class=HTMLResponse, summary="Record a joint review of a sliding lease")
async def review(placement_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    outcome, parties = forms.text(form, "outcome"), [p for p in forms.chosen(form, "parties") if p in REVIEW_PARTIES]
    if outcome not in REVIEW_OUTCOMES:
        errors.add("outcome", _("Choose what the joint review found."))
    if not parties:
        errors.add("parties", _("Tick who took part in the review."))
    values = {**_lease_defaults(), "outcome": outcome, "parties": parties}
    if errors:
        return await _placement_page(page, placement_id, values, errors, status=422)
    return await _placement_step(
        page, placement_id, "reviews", {"outcome": outcome, "parties": parties}, _("The joint review is recorded."), values
    )


@router.post("/placements/{placement_id}/slide", response_class=HTMLResponse, summary="The sliding lease slides to the household")
async def slide(placement_id: uuid.UUID, page: Page) -> Response:
    await page.form()
    return await _placement_step(page, placement_id, "slide", None, _("The lease has slid: the household is now the tenant."))


async def _chosen_step(page: Visit, placement_id: uuid.UUID, verb: str, name: str, codes: tuple[str, ...], ask: str, done: str) -> Response:
    """A step whose form chooses one of ``codes`` in its field ``name`` (``ask``, next to the field, when none is chosen)."""
    form = await page.form()
    chosen = forms.text(form, name)
    if chosen not in codes:
        errors = forms.FieldErrors()
        errors.add(name, ask)
        return await _placement_page(page, placement_id, _lease_defaults(), errors, status=422)
    return await _placement_step(page, placement_id, verb, {name: chosen}, done)


async def _placement_step(
    page: Visit, placement_id: uuid.UUID, verb: str, body: dict[str, Any] | None, done: str, values: dict[str, Any] | None = None
) -> Response:
    """A step of the placement, sent with the version it was read at; a rule that refuses it is shown on
    the placement's page (in the reader's language, with its source), nothing changed."""
    current = await page.get("matching", f"/v1/placements/{placement_id}")
    try:
        await page.api("POST", "matching", f"/v1/placements/{placement_id}/{verb}", json_body=body, headers=if_match(current["version"]))
    except ApiError as exc:
        if exc.status == 422 and exc.errors:
            errors = api_errors(exc, on_form=("outcome", "parties", "reason"))
            return await _placement_page(page, placement_id, values or _lease_defaults(), errors, status=422)
        return await act_refused(
            page,
            exc,
            f"/association/placements/{placement_id}",
            _("This cannot be done at this step of the placement (it may have changed meanwhile)."),
        )
    page.notify("success", done)
    return page.redirect(f"/association/placements/{placement_id}")
