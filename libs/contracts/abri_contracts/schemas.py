"""JSON Schemas of the contracts, and the compatibility rule for published schemas.

A published schema may only grow with optional properties (docs/event-bus.md; docs/decisions). ``breaking_changes``
compares a published schema with the current one and names every change that would break a consumer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from abri_contracts.base import EventContract, registry


def schema_of(cls: type[EventContract]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one contract's data."""
    schema = cls.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = cls.dataschema()
    schema["title"] = cls.event_type
    return schema


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every registered contract's schema, by event type."""
    return {event_type: schema_of(cls) for event_type, cls in sorted(registry.items())}


def write_schemas(directory: Path) -> list[Path]:
    """Write one ``<type>.json`` per contract; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, schema in all_schemas().items():
        path = directory / f"{event_type}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = root["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    if "type" in schema:
        value = schema["type"]
        return set(value) if isinstance(value, list) else {value}
    if "anyOf" in schema:
        return {t for option in schema["anyOf"] for t in _types(option)}
    return set()


def breaking_changes(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Changes from ``old`` to ``new`` that would break a consumer or a producer of ``old``.

    Breaking: a property removed; a new required property; a type narrowed (a type ``old`` allowed
    is no longer allowed); an enumeration narrowed; ``additionalProperties`` closed.
    """
    return _compare(old, new, old, new, path or "$")


def _compare(old: dict[str, Any], new: dict[str, Any], old_root: dict[str, Any], new_root: dict[str, Any], path: str) -> list[str]:
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)
    problems: list[str] = []
    lost_types = _types(old) - _types(new)
    if _types(new) and lost_types and not ("integer" in lost_types and "number" in _types(new)):
        problems.append(f"{path}: type no longer allows {sorted(lost_types)}")
    if "enum" in old and "enum" in new and set(old["enum"]) - set(new["enum"]):
        problems.append(f"{path}: enumeration lost {sorted(set(old['enum']) - set(new['enum']))}")
    if "const" in old and new.get("const", old["const"]) != old["const"]:
        problems.append(f"{path}: constant changed")
    if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
        problems.append(f"{path}: additional properties are now refused")
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    for name, old_prop in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: property removed")
        else:
            problems.extend(_compare(old_prop, new_props[name], old_root, new_root, f"{path}.{name}"))
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{path}.{name}: newly required")
    if "items" in old and "items" in new:
        problems.extend(_compare(old["items"], new["items"], old_root, new_root, f"{path}[]"))
    return problems
