"""Strict request bodies: what a JSON body says is taken as it says it, or refused with 422 naming the field.

Pydantic's default ("lax") mode converts what it can: ``available_from: 0`` became 1970-01-01,
``longitude: false`` became 0.0, ``"12"`` became 12, and a NUL character went through to PostgreSQL, which
refused it with a 500. Its strict mode cannot be used as is, since FastAPI validates the already parsed
JSON (Python objects), where strict mode refuses the strings that JSON uses for dates, times and UUIDs.

:class:`Input`, the base of every request body, checks each field's raw JSON value against its declared type
before Pydantic converts it:

- a boolean is ``true`` or ``false``; an integer is a JSON integer; a number is a JSON number (never a
  boolean, never a string);
- a date is a ``YYYY-MM-DD`` string, a time of day ``HH:MM``, a date-time an ISO 8601 string with its UTC offset; both between
  :data:`EARLIEST` and :data:`LATEST` (a consent "given" in year 730 is a typing error);
- no string contains a control character (NUL included) other than tab and line breaks;
- every string has a maximum length (:data:`MAX_TEXT` unless the field sets its own).

Values are otherwise validated by Pydantic as declared (bounds, patterns, literals).
"""

from __future__ import annotations

import re
import types
import typing
import unicodedata
from datetime import date, datetime, time
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from abri_kit.calendar import day_in_france
from abri_kit.problems import Problem

CLOCK_SKEW_S = 300
"""How far ahead of the service's clock a caller's own clock may be (a time "now" typed on a phone)."""
MAX_TEXT = 2000
"""The longest string a field takes unless it declares its own ``max_length``."""
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
ALLOWED_CONTROLS = frozenset("\t\n\r")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
WALL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
"""A time of day on a wall clock (``HH:MM`` or ``HH:MM:SS``), in a zone the resource names: no offset."""
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def refuse(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def check_text(value: str) -> None:
    """No control character but tab and line breaks."""
    for character in value:
        if unicodedata.category(character) == "Cc" and character not in ALLOWED_CONTROLS:
            raise refuse("control_character", f"control character U+{ord(character):04X} is not allowed")


def check_day(value: Any) -> None:
    if isinstance(value, datetime) or not isinstance(value, str | date):
        raise refuse("date_type", "a date is a string YYYY-MM-DD")
    if isinstance(value, str):
        if not _DAY.match(value):
            raise refuse("date_type", "a date is a string YYYY-MM-DD")
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise refuse("date_type", f"not a date: {exc}") from exc
    if not EARLIEST <= value <= LATEST:
        raise refuse("date_range", f"a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}")


def check_instant(value: Any) -> None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _INSTANT.match(value):
        try:
            moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError as exc:
            raise refuse("datetime_type", f"not a date-time: {exc}") from exc
    else:
        raise refuse("datetime_type", "a date-time is an ISO 8601 string with its offset, e.g. 2027-03-01T09:30:00+01:00")
    if moment.tzinfo is None:
        raise refuse("datetime_offset", "give the date-time's offset (Z or ±hh:mm)")
    if not EARLIEST <= moment.date() <= LATEST:
        raise refuse("date_range", f"a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}")


def check(value: Any, annotation: Any) -> None:
    """Refuse ``value`` unless it is the JSON form of ``annotation`` (see the module's docstring)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        check(value, typing.get_args(annotation)[0])
        return
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        if value is None and type(None) in members:
            return
        candidates = [member for member in members if member is not type(None)]
        if len(candidates) == 1:
            check(value, candidates[0])
        return  # a real union: Pydantic picks the member
    if origin is Literal or annotation is Any:
        if isinstance(value, str):
            check_text(value)
        return
    if origin in (list, tuple, set, frozenset):
        if isinstance(value, list | tuple):
            item = (typing.get_args(annotation) or (Any,))[0]
            for element in value:
                check(element, item)
        return
    if origin is dict:
        if isinstance(value, dict):
            _, item = typing.get_args(annotation) or (Any, Any)
            for key, element in value.items():
                if isinstance(key, str):
                    check_text(key)
                check(element, item)
        return
    if annotation is bool:
        if not isinstance(value, bool):
            raise refuse("bool_type", "a boolean is true or false")
    elif annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise refuse("int_type", "an integer is a JSON integer, without quotes or decimals")
    elif annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise refuse("float_type", "a number is a JSON number, without quotes")
    elif annotation is datetime:
        check_instant(value)
    elif annotation is date:
        check_day(value)
    elif annotation is time:
        if not isinstance(value, time) and not (isinstance(value, str) and _TIME.match(value)):
            raise refuse("time_type", "a time of day is a string HH:MM")
    elif isinstance(value, str):
        check_text(value)


def _wall_times(schema: dict[str, Any]) -> None:
    """JSON Schema's ``format: time`` is RFC 3339's, with an offset: a time of day here is a wall-clock time
    in the zone the resource names, so the document says so with a pattern instead."""
    for field in schema.get("properties", {}).values():
        for node in (field, *field.get("anyOf", ())):
            if isinstance(node, dict) and node.get("format") == "time":
                del node["format"]
                node["pattern"] = WALL_TIME_PATTERN


class Input(BaseModel):
    """The base of every request body: unknown fields refused, values strictly typed, strings bounded."""

    model_config = ConfigDict(extra="forbid", str_max_length=MAX_TEXT, json_schema_extra=_wall_times)
    strict_json: ClassVar[bool] = True
    """False in an answer that reuses a request body's fields (:class:`Output`): what was stored is shown."""

    @field_validator("*", mode="before")
    @classmethod
    def _strictly_json(cls, value: Any, info: ValidationInfo) -> Any:
        if cls.strict_json and info.field_name is not None and info.field_name in cls.model_fields:
            check(value, cls.model_fields[info.field_name].annotation)
        return value


class Output(Input):
    """Mixed into an answer that extends a request body (``class UnitOut(UnitDraft, Output)``): its values
    come from the database, written under the rules of their day, so they are shown, not judged again by
    the request's strict typing and length limit (a row stored before a limit existed never makes a read
    fail)."""

    model_config = ConfigDict(extra="ignore", str_max_length=None)
    strict_json: ClassVar[bool] = False


def refuse_future(now: datetime, **fields: date | datetime | None) -> None:
    """422 naming each field (``body.consent.consented_at`` as ``consent__consented_at``) dated after ``now``:
    a day after today in France, a time more than :data:`CLOCK_SKEW_S` ahead. Nothing is changed."""
    errors = []
    for name, value in fields.items():
        if value is None:
            continue
        late = (value - now).total_seconds() > CLOCK_SKEW_S if isinstance(value, datetime) else value > day_in_france(now)
        if late:
            field = "body." + name.replace("__", ".")
            errors.append({"field": field, "message": "in the future", "code": "in_the_future"})
    if errors:
        raise Problem(422, "a date is in the future; nothing was changed", title="Invalid request", errors=errors)
