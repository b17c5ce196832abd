"""The gateway's aggregated OpenAPI document (``/openapi.json``): valid OpenAPI 3.1, every reference
resolved (the gateway's own schemas included), every operation id used once, each operation's security as
its service declares it."""

from __future__ import annotations

import json
import sys
from collections import Counter

import pytest
from openapi_spec_validator import validate

from abri_contracts.services import SERVICES
from abri_gateway.app import create_app
from abri_gateway.openapi import merge
from abri_gateway.settings import GatewaySettings
from tests.support import REPO

sys.path.insert(0, str(REPO / "infra" / "dev"))
import openapi

pytestmark = pytest.mark.unit


def aggregated() -> dict[str, object]:
    gateway = create_app(GatewaySettings(oidc_issuer="http://127.0.0.1:1"))
    return merge({service: openapi.document(service) for service in SERVICES}, gateway.site.openapi())  # type: ignore[attr-defined]


def test_the_aggregated_document_is_valid_and_its_operation_ids_unique() -> None:
    document = aggregated()
    validate(document)  # dangling references fail here
    ids = Counter(
        operation["operationId"]
        for item in document["paths"].values()  # type: ignore[attr-defined]
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    )
    assert [name for name, uses in ids.items() if uses > 1] == []
    assert "/api/listings/healthz" not in document["paths"]  # type: ignore[operator]


def test_each_operation_keeps_its_services_security() -> None:
    paths = aggregated()["paths"]
    assert "security" not in paths["/api/guarantees/v1/public/visa-checks"]["post"]  # type: ignore[index]
    assert paths["/api/listings/v1/units"]["post"]["security"] == [{"bearer": []}]  # type: ignore[index]
    assert "listings.Problem" in json.dumps(paths["/api/listings/v1/units"]["post"]["responses"])  # type: ignore[index]
