"""Pages for everyone: the home page, the inbox (live), notification preferences."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from abri_auth.assurance import MFA_ROLES
from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import LANGUAGES
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.visit import Visit, signed_in, visit

router = APIRouter()
Anyone = Annotated[Visit, Depends(visit)]
SignedIn = Annotated[Visit, Depends(signed_in)]

ZONES = (
    "Europe/Paris",
    "America/Cayenne",
    "America/Guadeloupe",
    "America/Martinique",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
    "Pacific/Tahiti",
)
"""Time zones offered for quiet hours: metropolitan France and the overseas departments and territories."""


@router.get("/", response_class=HTMLResponse, summary="Home: what Abri is, or the signed-in user's dashboard")
async def home(page: Anyone) -> HTMLResponse:
    unread = 0
    if page.caller is not None:
        try:
            unread = (await page.api("GET", "notifications", "/v1/inbox/unread"))["unread"]
        except ApiError:
            unread = 0
    return page.render("home.html", unread=unread)


@router.get("/inbox", response_class=HTMLResponse, summary="My messages, newest first, with new ones arriving live")
async def inbox(
    page: SignedIn,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
    unread: Annotated[bool, Query(description="Only the messages not read yet")] = False,
) -> HTMLResponse:
    """One page of the caller's messages, each in the page's language (the service renders it again from the
    values it was rendered from), with the true count of unread ones and a filter on them."""
    only = {"unread": "true"} if unread else {}
    messages, next_cursor = await page.page_of("notifications", "/v1/inbox", cursor, lang=page.lang, **only)
    unread_count = (await page.api("GET", "notifications", "/v1/inbox/unread"))["unread"]
    return page.render(
        "inbox.html",
        messages=messages,
        unread_count=unread_count,
        unread_only=unread,
        next_link=page.link("/inbox", cursor=next_cursor, **only) if next_cursor else None,
        first_link=page.link("/inbox", **only) if cursor else None,
    )


@router.post("/inbox/{message_id}/read", summary="Mark a message read")
async def mark_read(message_id: uuid.UUID, page: SignedIn) -> RedirectResponse:
    await page.form()
    try:
        await page.api("POST", "notifications", f"/v1/inbox/{message_id}/read")
    except ApiError as exc:
        if exc.status != 404:
            raise
    return page.redirect("/inbox")


@router.get("/preferences", response_class=HTMLResponse, summary="My notification preferences")
async def preferences(page: SignedIn) -> HTMLResponse:
    current = await page.api("GET", "notifications", "/v1/me/preferences")
    return page.render("preferences.html", values=_preference_values(current), errors={}, **_options(page))


@router.post("/preferences", response_class=HTMLResponse, summary="Save my notification preferences")
async def save_preferences(page: SignedIn) -> Response:
    form = await page.form()
    errors = forms.FieldErrors()
    language = forms.text(form, "language")
    if language not in LANGUAGES:
        errors.add("language", _("Choose a language."))
    channels = [c for c in forms.chosen(form, "channels") if c in ("email", "sms")]
    quiet_start, quiet_end = forms.optional_text(form, "quiet_start"), forms.optional_text(form, "quiet_end")
    if (quiet_start is None) != (quiet_end is None):
        errors.add("quiet_start" if quiet_start is None else "quiet_end", _("Give both hours of the quiet period, or neither."))
    email, phone = forms.optional_text(form, "email"), forms.optional_text(form, "phone")
    if "email" in channels and not email:
        errors.add("email", _("Enter the email address to write to."))
    if "sms" in channels and not phone:
        errors.add("phone", _("Enter the mobile number to text."))
    if phone:
        phone = phone.replace(" ", "").replace(".", "")
        if phone.startswith("0") and len(phone) == 10:
            phone = "+33" + phone[1:]
    body: dict[str, Any] = {
        "language": language,
        "channels": channels,
        "email": email,
        "phone": phone,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
        "zone": forms.text(form, "zone") or "Europe/Paris",
        "daily_digest": forms.checked(form, "daily_digest"),
        "digest_at": forms.text(form, "digest_at") or "18:00",
    }
    if not errors:
        try:
            await page.api("PUT", "notifications", "/v1/me/preferences", json_body=body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = forms.api_field_errors(exc)
            if not errors:
                errors.add("language", explained(exc))
    if errors:
        return page.render(
            "preferences.html", status=422, values=forms.summary(dict(form)) | {"channels": channels}, errors=errors, **_options(page)
        )
    page.notify("success", _("Your preferences are saved."))
    return page.redirect("/preferences")


def _options(page: Visit) -> dict[str, Any]:
    return {
        "language_options": [(code, language.name) for code, language in LANGUAGES.items()],
        "zone_options": [(z, z) for z in ZONES],
        "account_security_url": page.site.settings.account_security(),
        "second_factor_required": bool(MFA_ROLES.intersection(page.roles)),
    }


def _preference_values(current: dict[str, Any]) -> dict[str, Any]:
    values = dict(current)
    for name in ("quiet_start", "quiet_end", "digest_at"):
        values[name] = (values.get(name) or "")[:5]
    values["email"] = values.get("email") or ""
    values["phone"] = values.get("phone") or ""
    return values


ACCESSIBILITY_STATEMENT_ON = date(2026, 12, 5)
"""The day the accessibility statement was written: RGAA asks for its date, and for a new one after a substantial
change of the pages or within three years."""


@router.get("/accessibility", response_class=HTMLResponse, summary="The accessibility statement (RGAA)")
async def accessibility(page: Anyone) -> HTMLResponse:
    return page.render(
        "accessibility.html", statement_on=ACCESSIBILITY_STATEMENT_ON, contact=page.site.settings.accessibility_contact.strip()
    )


@router.get("/privacy", response_class=HTMLResponse, summary="How Abri handles personal data")
async def privacy(page: Anyone) -> HTMLResponse:
    return page.render("privacy.html")


@router.get("/legal-notice", response_class=HTMLResponse, summary="The legal notice: publisher, director of publication, host")
async def legal_notice(page: Anyone) -> HTMLResponse:
    """The LCEN's legal notice (art. 6, III): what the deployment declares in its settings; what it has not
    declared yet is said to be missing, never made up."""
    settings = page.site.settings
    return page.render(
        "legal_notice.html",
        publisher=settings.legal_publisher.strip(),
        director=settings.legal_director.strip(),
        host=settings.legal_host.strip(),
    )
