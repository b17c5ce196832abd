"""The association's households: the list (no personal data), registering one with its consent to
matching and the privacy notice, its page (consents and what withdrawing each does, the erasure of its
data, who read its personal data, its own account: an invitation to sign in, shown once, or the account
unlinked), editing it (a logged read of its personal data, saved with its
version), consents recorded (purpose and notice version) and withdrawn."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from abri_gateway.web import communes, forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained, key_of
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.association.household_form import (
    HOUSEHOLD_FIELDS,
    PRIORITY_SITUATIONS,
    household_body,
    household_values,
    keep_stored_place,
    stored_values,
)
from abri_gateway.web.pages.association.shared import (
    Cursor,
    Page,
    act,
    act_refused,
    api_errors,
    if_match,
    render,
    today_in_france,
)
from abri_gateway.web.visit import Visit

router = APIRouter()

NOTICE_VERSION = "2026-01"
"""The version of the privacy notice the household form shows (recorded with each consent)."""

NOTICE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,29}")
"""A privacy notice's version, as printed on it (``2026-01``)."""
CONSENT_PURPOSES = ("matching", "share_with_owner_after_acceptance", "guarantee_file", "notifications")


@router.get("/households", response_class=HTMLResponse, summary="My association's households (no personal data)")
async def households(page: Page, cursor: Cursor = None) -> HTMLResponse:
    ours, next_cursor = await page.page_of("matching", "/v1/households", cursor)
    next_link = next_cursor and page.link("/association/households", cursor=next_cursor)
    return render(page, "households.html", households=ours, next_link=next_link)


@router.get("/households/new", response_class=HTMLResponse, summary="Register a household")
async def new_household(page: Page) -> HTMLResponse:
    values = {"registered_since": today_in_france(), "adults": "1", "children": "0", "min_bedrooms": "0"}
    return _household_form(page, None, values | {"priority_situations": [], "consents": [], "picked": communes.Picked([])}, {})


@router.get("/communes", response_class=HTMLResponse, summary="Communes matching what is typed (the options of a commune field)")
async def commune_options(request: Request, page: Page) -> HTMLResponse:
    return page.render("owner/_commune_options.html", found=communes.suggestions(communes.typed_in(request.query_params)))


@router.post("/households/new", response_class=HTMLResponse, summary="Register a household, with its consent to matching")
async def create_household(page: Page) -> Response:
    form = await page.form()
    if (picking := _only_picking(form)) is not None:
        return _household_form(page, None, household_values(form), picking, status=422 if picking else 200)
    body, errors = household_body(form)
    consents = [c for c in forms.chosen(form, "consents") if c in CONSENT_PURPOSES]
    if "matching" not in consents:
        errors.add("consents", _("Tick the consent to matching: a household is registered only with it."))
    if errors:
        return _household_form(page, None, household_values(form), errors, status=422)
    now = page.form_shown_at.isoformat()  # the same if the form is sent again: its commands are then replayed, not redone
    body["consent"] = {"purpose": "matching", "notice_version": NOTICE_VERSION, "consented_at": now}
    try:
        created = await page.api("POST", "matching", "/v1/households", json_body=body)
    except ApiError as exc:
        errors = _household_errors(exc)
        return _household_form(page, None, household_values(form), errors, status=exc.status if exc.status < 500 else 502)
    for purpose in consents:
        if purpose != "matching":
            consent = {"purpose": purpose, "notice_version": NOTICE_VERSION, "consented_at": now}
            await page.api("POST", "matching", f"/v1/households/{created['id']}/consents", json_body=consent)
    page.notify("success", _("The household is registered, with its consents."))
    return page.redirect(f"/association/households/{created['id']}")


@router.get("/households/{household_id}", response_class=HTMLResponse, summary="A household: record, consents, who read its data")
async def household(household_id: uuid.UUID, page: Page) -> HTMLResponse:
    return await _household_page(page, household_id, {}, {})


async def _household_page(
    page: Visit, household_id: uuid.UUID, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    record = await page.get("matching", f"/v1/households/{household_id}")
    consents = await page.every("matching", f"/v1/households/{household_id}/consents")
    log = await page.every("matching", f"/v1/households/{household_id}/access-log")
    placements = await page.every("matching", "/v1/placements", household_id=str(household_id))
    invitations = await page.every("matching", f"/v1/households/{household_id}/invitations")
    return render(
        page, "household.html", status=status, household=record, consents=consents, access_log=log, placements=placements,
        values={"notice_version": NOTICE_VERSION, **values}, errors=errors, purposes=CONSENT_PURPOSES, notice_version=NOTICE_VERSION,
        invitations=invitations, pending=next((i for i in invitations if i["state"] == "pending"), None),
        around_name=communes.place_name(record["wanted"].get("around")),
    )  # fmt: skip


@router.get("/households/{household_id}/edit", response_class=HTMLResponse, summary="Edit a household (reads its personal data, logged)")
async def edit_household(household_id: uuid.UUID, page: Page) -> HTMLResponse:
    record = await page.get("matching", f"/v1/households/{household_id}")
    return _household_form(page, record, await stored_values(page, record), {})


@router.post("/households/{household_id}/edit", response_class=HTMLResponse, summary="Save a household (If-Match)")
async def save_household(household_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    record = await page.get("matching", f"/v1/households/{household_id}")
    if (picking := _only_picking(form)) is not None:
        return _household_form(page, record, household_values(form), picking, status=422 if picking else 200)
    body, errors = household_body(form)
    if errors:
        return _household_form(page, record, household_values(form), errors, status=422)
    keep_stored_place(body, record, form)
    version = forms.text(form, "version") or str(record["version"])
    try:
        await page.api("PUT", "matching", f"/v1/households/{household_id}", json_body=body, headers=if_match(version))
    except ApiError as exc:
        if exc.status == 412:
            page.notices.append(
                ("warning", _("Someone changed this household meanwhile: here it is as it is now. Make your change again."))
            )
            fresh = await page.get("matching", f"/v1/households/{household_id}")
            return _household_form(page, fresh, await stored_values(page, fresh), {}, status=409)
        return _household_form(page, record, household_values(form), _household_errors(exc), status=exc.status if exc.status < 500 else 502)
    page.notify("success", _("The household's record is saved."))
    return page.redirect(f"/association/households/{household_id}")


@router.post("/households/{household_id}/consents", response_class=HTMLResponse, summary="Record a consent the household gave")
async def record_consent(household_id: uuid.UUID, page: Page) -> Response:
    form = await page.form()
    await page.get("matching", f"/v1/households/{household_id}")
    purpose, notice_version = forms.text(form, "purpose"), forms.text(form, "notice_version") or NOTICE_VERSION
    values = {"purpose": purpose, "notice_version": notice_version}
    errors = forms.FieldErrors()
    if purpose not in CONSENT_PURPOSES:
        errors.add("purpose", _("Choose what the household consents to."))
    if not NOTICE.fullmatch(notice_version):
        errors.add("notice_version", _("Enter the notice's version as printed on it: up to 30 letters, digits, dots or dashes."))
    if errors:
        return await _household_page(page, household_id, values, errors, status=422)
    consent = {"purpose": purpose, "notice_version": notice_version, "consented_at": page.form_shown_at.isoformat()}
    try:
        await page.api("POST", "matching", f"/v1/households/{household_id}/consents", json_body=consent)
    except ApiError as exc:
        fields = {"purpose": "purpose", "notice_version": "notice_version"}
        return await _household_page(page, household_id, values, api_errors(exc, fields), status=exc.status if exc.status < 500 else 502)
    page.notify("success", _("The consent is recorded."))
    return page.redirect(f"/association/households/{household_id}")


@router.post("/households/{household_id}/consents/{consent_id}/withdraw", summary="Record that the household withdrew a consent")
async def withdraw_consent(household_id: uuid.UUID, consent_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    return await act(
        page, "POST", "matching", f"/v1/households/{household_id}/consents/{consent_id}/withdraw",
        back=f"/association/households/{household_id}", done=_("The withdrawal of the consent is recorded."),
    )  # fmt: skip


# --- the household's own account: an invitation it accepts signed in, or unlinked ----------------------
@router.post(
    "/households/{household_id}/invitations", response_class=HTMLResponse, summary="Invite the household to sign in (code shown once)"
)
async def invite_household(household_id: uuid.UUID, page: Page) -> Response:
    await page.form()
    back = f"/association/households/{household_id}"
    try:
        invitation = await page.api("POST", "matching", f"/v1/households/{household_id}/invitations")
    except ApiError as exc:
        return await act_refused(page, exc, back + "#account", explained(exc))
    record = await page.get("matching", f"/v1/households/{household_id}")
    link = page.site.settings.public_url.rstrip("/") + page.link("/invitation", code=invitation["code"])
    shown = render(page, "invitation.html", household=record, invitation=invitation, link=link)
    shown.headers["Cache-Control"] = "no-store"  # the code, this once: never from a cache or the history's copy
    return shown


@router.post("/households/{household_id}/invitations/{invitation_id}/revoke", summary="Revoke the invitation waiting for the household")
async def revoke_invitation(household_id: uuid.UUID, invitation_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    path = f"/v1/households/{household_id}/invitations/{invitation_id}/revoke"
    back = f"/association/households/{household_id}#account"
    try:
        await page.api("POST", "matching", path)
    except ApiError as exc:
        return await act_refused(page, exc, back, explained(exc))
    page.notify("success", _("The invitation is revoked: its code no longer links anything."))
    return page.redirect(back)


@router.post("/households/{household_id}/account/unlink", summary="Unlink the household's own account from its record")
async def unlink_account(household_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    return await act(
        page, "DELETE", "matching", f"/v1/households/{household_id}/account",
        back=f"/association/households/{household_id}#account",
        done=_("The household's account is unlinked: it no longer reads this file. Invite it again to link an account."),
    )  # fmt: skip


def _household_form(
    page: Visit, record: dict[str, Any] | None, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return render(
        page, "household_form.html", status=status, household=record, values=values, errors=errors,
        situations=PRIORITY_SITUATIONS, purposes=CONSENT_PURPOSES, notice_version=NOTICE_VERSION,
    )  # fmt: skip


def _only_picking(form: FormData) -> forms.FieldErrors | None:
    """When the form was sent by a commune's "Add" or "Remove" button: the form is shown again with its
    list of communes changed, saving nothing (with the picker's error only: the rest is not finished)."""
    picked = communes.picked(form, "communes")
    if not picked.changed:
        return None
    errors = forms.FieldErrors()
    if picked.error:
        errors.add("communes", picked.error)
    return errors


def _household_errors(exc: ApiError) -> forms.FieldErrors:
    if exc.status == 409 and key_of(exc.problem) == "duplicate_reference":
        errors = forms.FieldErrors()
        errors.add("reference", _("Your association already has a household with this reference: choose another one."))
        return errors
    return api_errors(exc, HOUSEHOLD_FIELDS)
