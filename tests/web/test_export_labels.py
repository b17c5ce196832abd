"""The export archive's labels: every key of every service's export document has its label in the
reader's language (a new key without one fails here), and the labels come translated."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from abri_assistant.api.export import AssistantExport
from abri_gateway.web import i18n
from abri_gateway.web.export import fields, labels
from abri_guarantees.api.export import GuaranteesExport
from abri_listings.api.export import ListingsExport
from abri_matching.api.export import MatchingExport
from abri_notifications.api.export import NotificationsExport

pytestmark = pytest.mark.unit
DOCUMENTS: list[type[BaseModel]] = [MatchingExport, GuaranteesExport, NotificationsExport, ListingsExport, AssistantExport]


def keys(schema: dict[str, Any]) -> set[str]:
    """Every property name of a JSON Schema, its definitions included."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, value in (node.get("properties") or {}).items():
                found.add(name)
                walk(value)
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda model: model.__name__)
def test_every_key_of_a_services_export_has_its_label(document: type[BaseModel]) -> None:
    missing = keys(document.model_json_schema()) - set(fields())
    assert not missing, f"keys without a label in abri_gateway.web.export.fields(): {sorted(missing)}"


def test_the_check_finds_a_key_without_a_label() -> None:
    class Later(BaseModel):
        schema_version: int
        something_new: str

    assert keys(Later.model_json_schema()) - set(fields()) == {"something_new"}


REFERENCE = {"fr": "La référence de votre dossier propre à votre association", "en": "Your association's own reference for your file"}


@pytest.mark.parametrize(("code", "reference"), sorted(REFERENCE.items()))
def test_the_labels_are_in_the_readers_language(code: str, reference: str) -> None:
    token = i18n.use(code)
    try:
        written = labels()
    finally:
        i18n._current.reset(token)
    assert written["language"] == code and written["fields"]["reference"] == reference
    assert set(written["codes"]) >= {"purpose", "consent", "placement_status", "scheme", "urgency_category", "reply_kind"}
