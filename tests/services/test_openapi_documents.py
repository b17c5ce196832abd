"""The committed OpenAPI documents (docs/api) are what the services' code produces."""

from __future__ import annotations

import json
import sys

import pytest
from openapi_spec_validator import validate

from abri_contracts.services import SERVICES
from tests.support import REPO

sys.path.insert(0, str(REPO / "infra" / "dev"))
import openapi

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", SERVICES)
def test_committed_openapi_document_is_up_to_date(service: str) -> None:
    committed = (REPO / "docs" / "api" / f"{service}.openapi.json").read_text()
    assert committed == openapi.render(service), "run `make openapi` and commit docs/api"


@pytest.mark.parametrize("service", SERVICES)
def test_each_document_is_valid_openapi_and_says_how_errors_look(service: str) -> None:
    document = openapi.document(service)
    validate(document)  # openapi-spec-validator: the OpenAPI 3.1 schema, references resolved
    assert "HTTPValidationError" not in json.dumps(document)  # no service sends FastAPI's default error body
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            errors = {status: answer for status, answer in operation["responses"].items() if int(status) >= 400}
            assert "500" in errors, where
            for status, answer in errors.items():
                assert list(answer["content"]) == ["application/problem+json"], f"{where} {status}"
            needs_token = not path.startswith(("/healthz", "/readyz", "/metrics", "/v1/public/"))
            assert (operation.get("security") == [{"bearer": []}]) == needs_token, where
            if needs_token:
                assert {"401", "403"} <= set(errors), where


@pytest.mark.parametrize("service", SERVICES)
def test_every_creating_post_takes_an_idempotency_key_and_every_list_is_paged(service: str) -> None:
    document = openapi.document(service)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            headers = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
            if method == "post" and "201" in operation["responses"]:
                assert "idempotency-key" in headers, f"{where} creates something: it must honour Idempotency-Key"
            answer = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if method == "get" and answer.get("type") == "array":
                assert path.endswith("/matches") or "/units/" in path, f"{where} answers a bare list: a list is paged"
