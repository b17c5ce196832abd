"""Reading page forms into API bodies, and API errors back onto the form's fields."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData

from abri_gateway.web.api import ApiError
from abri_gateway.web.i18n import gettext as _


class FieldErrors(dict[str, str]):
    """Messages by form field (the first one for a field wins)."""

    def add(self, name: str, message: str) -> None:
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


def api_field_errors(error: ApiError, fields: dict[str, str] | None = None, rules: dict[str, str] | None = None) -> FieldErrors:
    """A service's errors onto the form's fields: validation errors (``field``: ``body.rent_cents``) and
    failed rules (``rule`` with its ``fields``). ``fields`` maps an API field path to a form field;
    ``rules`` maps a rule code to its translated explanation (else the service's message)."""
    found = FieldErrors()
    for item in error.errors:
        if "rule" in item:
            names = [str(name) for name in item.get("fields") or []]
            message = (rules or {}).get(str(item["rule"])) or str(item.get("message") or error.detail)
        else:
            path = str(item.get("field") or "").removeprefix("body.").removeprefix("query.")
            names = [path]
            message = _("This value is not valid: %(reason)s", reason=str(item.get("message") or error.detail))
        for name in names:
            found.add((fields or {}).get(name, name), message)
    return found


def summary(values: dict[str, Any]) -> dict[str, Any]:
    """Form values to show back in the form after an error (never a file or a token)."""
    return {k: v for k, v in values.items() if k != "csrf_token" and isinstance(v, str | list)}
