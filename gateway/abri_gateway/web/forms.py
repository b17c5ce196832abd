"""Reading page forms into API bodies, and API errors back onto the form's fields."""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData

from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.refusals import Message, coded, is_coded


class FieldErrors(dict[str, str]):
    """Messages by form field: the first one for a field wins, except coded refusals, which add up (a
    field several rules refuse says each, with its source)."""

    def add(self, name: str, message: str) -> None:
        known = self.get(name)
        if isinstance(known, Message) and known.refusals and isinstance(message, Message) and message.refusals:
            self[name] = known.joined(message)
        else:
            self.setdefault(name, message)


def text(form: FormData, name: str) -> str:
    """A text field, trimmed ('' if absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional_text(form: FormData, name: str) -> str | None:
    return text(form, name) or None


def checked(form: FormData, name: str) -> bool:
    """A checkbox."""
    return form.get(name) is not None


def chosen(form: FormData, name: str) -> list[str]:
    """Every ticked value of a checkbox group."""
    return [v for v in form.getlist(name) if isinstance(v, str)]


MAX_EUROS = Decimal(100_000_000)
"""No amount on a page comes near this: larger numbers are typing errors (or attempts to overflow)."""
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def decimal_of(raw: str) -> Decimal | None:
    """A number as people type it: ``1 234,50``, ``1234.5``, ``1,234.50`` (None if it is not one)."""
    cleaned = _SPACES.sub("", raw)
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "") if cleaned.rfind(".") > cleaned.rfind(",") else cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def cents(form: FormData, name: str, errors: FieldErrors, *, required: bool = True) -> int | None:
    """An amount in euros (as typed) → integer cents; an error on the field if it is not one."""
    raw = text(form, name)
    if not raw:
        if required:
            errors.add(name, _("Enter an amount in euros."))
        return None
    value = decimal_of(raw)
    if value is None or value < 0 or value > MAX_EUROS or value.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.add(name, _("Enter an amount in euros, for example 450 or 450,50."))
        return None
    return int(value * 100)


def number(form: FormData, name: str, errors: FieldErrors, *, required: bool = True, whole: bool = False) -> float | int | None:
    """A number field; an error on the field if it is not one."""
    raw = text(form, name)
    if not raw:
        if required:
            errors.add(name, _("Enter a number."))
        return None
    value = decimal_of(raw)
    if value is None or abs(value) > MAX_EUROS or (whole and value != value.to_integral_value()):
        errors.add(name, _("Enter a whole number.") if whole else _("Enter a number."))
        return None
    return int(value) if whole else float(value)


def day(form: FormData, name: str, errors: FieldErrors, *, required: bool = True) -> str | None:
    """A date field (``YYYY-MM-DD`` from the browser's date input)."""
    raw = text(form, name)
    if not raw:
        if required:
            errors.add(name, _("Enter a date."))
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        errors.add(name, _("Enter a date as day, month and year."))
        return None
    return raw


def api_field_errors(error: ApiError, fields: dict[str, str] | None = None, on_form: Collection[str] | None = None) -> FieldErrors:
    """A service's errors onto the form's fields: validation errors (``field``: ``body.rent_cents``) and
    coded refusals (``rule`` with its ``fields``, written in the reader's language with their legal
    source: ``refusals.py``). ``fields`` maps an API field path to a form field; a refusal that names
    no field, or (when ``on_form`` lists the form's fields) none of the form's, goes at the top (``_form``)."""
    found = FieldErrors()
    for item in error.errors:
        if is_coded(item):
            names = [_field_name(str(name)) for name in item.get("fields") or []] or ["_form"]
            message: str = coded(item)
        else:
            names = [_field_name(str(item.get("field") or ""))]
            message = _("This value is not valid: %(reason)s", reason=str(item.get("message") or error.detail))
        targets = [(fields or {}).get(name, name) for name in names]
        if on_form is not None:
            targets = [name for name in targets if name in on_form] or ["_form"]
        for name in dict.fromkeys(targets):
            found.add(name, message)
    return found


def _field_name(path: str) -> str:
    return path.removeprefix("body.").removeprefix("query.")


def summary(values: dict[str, Any]) -> dict[str, Any]:
    """Form values to show back in the form after an error (never a file or a token)."""
    return {k: v for k, v in values.items() if k != "csrf_token" and isinstance(v, str | list)}
