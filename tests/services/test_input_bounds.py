"""Every input a service takes is bounded, and the bound is documented in its OpenAPI document: every
number of a request body or a query parameter has a minimum and a maximum, every free string a maximum
length (a date, a time, an identifier, an enumeration or a pattern bounds itself). An unbounded number
once made batch allocation answer 500 (``radius_km`` of 5e-324), a 26-digit amount a 500, a 1 MB
description a 500 at the outbox."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest

from abri_contracts.services import SERVICES
from tests.support import REPO

sys.path.insert(0, str(REPO / "infra" / "dev"))
import openapi

pytestmark = pytest.mark.unit
SELF_BOUNDED_FORMATS = {"date", "date-time", "time", "uuid", "email", "binary"}
UNBOUNDED_QUANTIFIER = re.compile(r"[+*]|\{\d*,\}")


def bounded_pattern(pattern: str | None) -> bool:
    """An anchored pattern without an open-ended quantifier bounds the length by itself (``^\\d{5}$``)."""
    if not pattern:
        return False
    return pattern.startswith("^") and pattern.endswith("$") and not UNBOUNDED_QUANTIFIER.search(pattern)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def unbounded(document: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """Paths, within ``schema``, of numbers without both bounds and strings without a maximum length."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return unbounded(document, resolve(document, schema), where, seen | {name})
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, []):
            found += unbounded(document, member, where, seen)
    kind = schema.get("type")
    if kind in ("integer", "number"):
        low = "minimum" in schema or "exclusiveMinimum" in schema
        high = "maximum" in schema or "exclusiveMaximum" in schema
        if not (low and high):
            found.append(f"{where}: a number without {'a minimum' if not low else 'a maximum'}")
    elif kind == "string":
        bounded = (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in SELF_BOUNDED_FORMATS
            or "contentMediaType" in schema  # an uploaded file: its size is checked as it arrives
            or bounded_pattern(schema.get("pattern"))
        )
        if not bounded:
            found.append(f"{where}: a string without maxLength")
    elif kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: a list without maxItems")
        found += unbounded(document, schema.get("items", {}), f"{where}[]", seen)
    elif kind == "object":
        for name, member in schema.get("properties", {}).items():
            found += unbounded(document, member, f"{where}.{name}", seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            found += unbounded(document, extra, f"{where}.*", seen)
    return found


def inputs(document: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/v1/ops/") and method == "get":
                continue
            for parameter in operation.get("parameters", []):
                found += unbounded(document, parameter.get("schema", {}), f"{method.upper()} {path} ?{parameter['name']}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                found += unbounded(document, media.get("schema", {}), f"{method.upper()} {path} body")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_input_is_bounded_and_the_bound_documented(service: str) -> None:
    assert inputs(openapi.document(service)) == []


def test_the_check_finds_an_unbounded_number_string_and_list() -> None:
    document = {
        "paths": {"/v1/x": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}}}},
        "components": {
            "schemas": {
                "X": {
                    "type": "object",
                    "properties": {
                        "n": {"type": "integer", "minimum": 0},
                        "s": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "l": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                        "ok": {"type": "number", "minimum": 0, "maximum": 1},
                    },
                }
            }
        },
    }
    assert inputs(document) == [
        "POST /v1/x body.n: a number without a maximum",
        "POST /v1/x body.s: a string without maxLength",
        "POST /v1/x body.l: a list without maxItems",
    ]
