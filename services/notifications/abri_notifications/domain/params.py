"""The values a message was rendered from, kept with its inbox row as typed JSON, so that the inbox can
render it again in the language of the reader's page (issue 20). Pure.

JSON has no dates: each value is kept with its type (``{"t": "date", "v": "2026-03-29"}``), and read back
as the Python value the templates format (``templates.format_value``). Only what a message may carry is
kept (the caller passes the minimised values).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID


def encode(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` as typed JSON (a value of a type templates do not show is left out)."""
    kept: dict[str, Any] = {}
    for name, value in values.items():
        typed = _encode(value)
        if typed is not None:
            kept[name] = typed
    return kept


def decode(kept: Mapping[str, Any]) -> dict[str, Any]:
    """The values :func:`encode` kept, as Python values again (a malformed entry is left out)."""
    values: dict[str, Any] = {}
    for name, typed in kept.items():
        try:
            values[name] = _decode(typed)
        except (KeyError, TypeError, ValueError):
            continue
    return values


def _encode(value: Any) -> dict[str, Any] | None:
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, datetime):
        return {"t": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, str | UUID):
        return {"t": "str", "v": str(value)}
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(item, str) for item in value):
        return {"t": "list", "v": list(value)}
    if isinstance(value, Mapping) and all(isinstance(item, str | int) for item in value.values()):
        return {"t": "map", "v": dict(value)}
    return None


def _decode(typed: Mapping[str, Any]) -> Any:
    kind, value = typed["t"], typed["v"]
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind in ("bool", "int", "str", "list", "map"):
        return value
    raise ValueError(kind)
