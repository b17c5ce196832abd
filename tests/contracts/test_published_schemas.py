"""Published event schemas only grow; docs/events is what the contracts generate."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from abri_contracts import registry
from abri_contracts.base import EventContract, contract
from abri_contracts.generate import render_asyncapi
from abri_contracts.schemas import all_schemas, breaking_changes
from tests.support import REPO

pytestmark = pytest.mark.unit  # nothing running: schemas and documents only

EVENTS_DIR = REPO / "docs" / "events"


def published(event_type: str) -> dict[str, Any]:
    path = EVENTS_DIR / "schemas" / f"{event_type}.json"
    assert path.exists(), f"{event_type} has no published schema: run `make contracts`"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


@pytest.mark.parametrize("event_type", sorted(registry))
def test_current_contract_does_not_break_its_published_schema(event_type: str) -> None:
    assert breaking_changes(published(event_type), all_schemas()[event_type]) == []


@pytest.mark.parametrize("event_type", sorted(registry))
def test_published_schema_is_up_to_date(event_type: str) -> None:
    assert published(event_type) == all_schemas()[event_type], "run `make contracts` and commit docs/events"


def test_asyncapi_document_is_up_to_date_and_names_every_event() -> None:
    committed = (EVENTS_DIR / "asyncapi.yaml").read_text()
    assert committed == render_asyncapi(), "run `make contracts` and commit docs/events"
    for event_type in registry:
        assert f"name: {event_type}" in committed


def test_every_event_type_is_versioned_and_keyed_by_its_aggregate() -> None:
    for event_type, cls in registry.items():
        assert event_type.startswith(f"abri.{cls.service()}.") and event_type.split(".")[-1].startswith("v")
        assert cls.topic().count(".") == 2
        assert cls.aggregate_id_field in cls.model_fields


BASE = {
    "type": "object",
    "properties": {
        "unit_id": {"type": "string", "format": "uuid"},
        "rent_cents": {"type": "integer"},
        "energy_class": {"enum": ["A", "B", "C"], "type": "string"},
        "schemes": {"type": "array", "items": {"enum": ["x", "y"], "type": "string"}},
    },
    "required": ["unit_id", "rent_cents"],
}


def changed(**edits: Any) -> dict[str, Any]:
    schema: Any = copy.deepcopy(BASE)
    for path, value in edits.items():
        target: Any = schema
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    result: dict[str, Any] = schema
    return result


@pytest.mark.unit
def test_optional_property_added_is_compatible() -> None:
    grown = changed(properties__note={"type": "string"})
    assert breaking_changes(BASE, grown) == []


@pytest.mark.unit
@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (changed(properties__rent_cents=None), "$.rent_cents: property removed"),
        (changed(required=["unit_id", "rent_cents", "energy_class"]), "$.energy_class: newly required"),
        (changed(properties__rent_cents={"type": "string"}), "$.rent_cents: type no longer allows ['integer']"),
        (changed(properties__energy_class={"enum": ["A", "B"], "type": "string"}), "$.energy_class: enumeration lost ['C']"),
        (changed(properties__schemes__items={"enum": ["x"], "type": "string"}), "$.schemes[]: enumeration lost ['y']"),
        (changed(additionalProperties=False), "$: additional properties are now refused"),
    ],
)
def test_breaking_changes_are_named(new: dict[str, Any], expected: str) -> None:
    assert expected in breaking_changes(BASE, new)


@pytest.mark.unit
def test_malformed_or_duplicate_contracts_are_refused() -> None:
    class Unversioned(EventContract):
        event_type = "abri.listings.unit.published"
        aggregate_id_field = "unit_id"
        unit_id: str

    with pytest.raises(ValueError, match="is not abri"):
        contract(Unversioned)

    class Duplicate(EventContract):
        event_type = "abri.listings.unit.published.v1"
        aggregate_id_field = "unit_id"
        unit_id: str

    with pytest.raises(ValueError, match="declared twice"):
        contract(Duplicate)


def test_every_contract_topic_is_declared_with_its_dead_letter_topic() -> None:
    import yaml

    declared = {entry["name"]: entry for entry in yaml.safe_load((REPO / "infra" / "kafka" / "topics.yaml").read_text())["topics"]}
    for cls in registry.values():
        assert cls.topic() in declared, f"{cls.topic()} is missing from infra/kafka/topics.yaml"
        assert declared[cls.topic()]["dlq"]["enabled"] is True
