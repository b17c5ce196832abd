"""What the association's pages share: who may see them, the codes several of them use, and the small
helpers they all call."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.households import household_name
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.association.words import choices, step_reason, term
from abri_gateway.web.visit import PageError, Visit, for_roles

Page = Annotated[Visit, Depends(for_roles("social_worker"))]
Cursor = Annotated[str | None, Query(max_length=1000, description="The next page of a list (its service's cursor).")]

PARIS = ZoneInfo("Europe/Paris")
FILE_OPEN = ("under_review", "information_requested", "resubmitted")
INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")


def render(page: Visit, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of this area (with its own words for codes)."""
    return page.render(f"association/{template}", status=status, term=term, choices=choices, step_reason=step_reason, **context)


def if_match(version: object) -> dict[str, str]:
    return {"if-match": f'"{version}"'}


def api_errors(exc: ApiError, fields: dict[str, str] | None = None, on_form: Collection[str] | None = None) -> forms.FieldErrors:
    """A service's refusal as errors next to the form's fields (else at the top of the form)."""
    if exc.status >= 500:
        raise exc
    errors = forms.api_field_errors(exc, fields, on_form)
    if not errors:
        errors.add("_form", explained(exc))
    return errors


def today_in_france() -> str:
    return datetime.now(PARIS).date().isoformat()


def euros_typed(cents: int | None) -> str:
    """Cents back as people type euros (``450``, ``450.50``)."""
    return "" if cents is None else f"{cents / 100:.2f}".replace(".00", "")


def contact(form: FormData, errors: forms.FieldErrors) -> tuple[str | None, str | None]:
    """The email address and the phone number typed (both optional), each checked."""
    email, phone = forms.optional_text(form, "email"), forms.optional_text(form, "phone")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.add("email", _("Enter an email address such as name@example.org."))
    if phone and not re.fullmatch(r"\+?[0-9 .-]{6,20}", phone):
        errors.add("phone", _("Enter a phone number with digits only, for example 06 12 34 56 78."))
    return email, phone


def not_found() -> PageError:
    """The 404 page of a resource that does not exist, or is another association's."""
    return PageError(404, _("This page does not exist, or it is not yours."))


def uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise not_found() from exc


async def act(
    page: Visit, method: str, service: str, path: str, *, back: str, done: str, refused: str | None = None, **call: Any
) -> RedirectResponse:
    """A button's action on a service, then back to ``back`` with a notice: ``done``, or ``refused`` when
    the service turns it down (a 4xx; without ``refused``, the error page says why). A resource that is
    not there, or is another association's, is the 404 page."""
    try:
        await page.api(method, service, path, **call)
    except ApiError as exc:
        return await act_refused(page, exc, back, refused)
    page.notify("success", done)
    return page.redirect(back)


async def act_refused(page: Visit, exc: ApiError, back: str, refused: str | None) -> RedirectResponse:
    """A service turned an action down: the 404 page for what is not there or another association's, the
    error page for a failure (or without ``refused``), else back to ``back`` saying ``refused``."""
    if exc.status in (403, 404):
        raise not_found() from exc
    if exc.status >= 500 or refused is None:
        raise exc
    page.notify("error", refused)
    return page.redirect(back)


async def household_references(page: Visit) -> dict[str, str]:
    """My association's households as pages name them, by id (their reference, never a person's name;
    "Erased household" once erased: ``web/households.py``)."""
    return {h["id"]: household_name(h) for h in await page.every("matching", "/v1/households")}
