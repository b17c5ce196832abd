"""Every service is behind the gateway (``abri_contracts.services``): ``/api/<service>/v1/...`` goes to it,
with a URL, a timeout of its own, and its scopes in what the web client asks the identity provider for."""

from __future__ import annotations

import pytest

from abri_contracts.services import SERVICES
from abri_gateway.proxy import Route, route_of
from abri_gateway.settings import GatewaySettings

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_its_route_its_url_its_timeout_and_its_scopes(service: str) -> None:
    settings = GatewaySettings(oidc_issuer="http://127.0.0.1:1")
    assert route_of(f"/api/{service}/v1/anything") == Route(service, "/v1/anything")
    assert settings.upstream(service).startswith("http")
    assert service in settings.timeouts_s
    assert {f"{service}:read", f"{service}:write"} <= set(settings.oidc_scopes.split())


def test_the_assistant_listens_on_8105_and_answers_within_15_seconds_by_default() -> None:
    assert GatewaySettings.model_fields["assistant_url"].default == "http://127.0.0.1:8105"  # infra/dev/run.py's port
    assert GatewaySettings(oidc_issuer="http://127.0.0.1:1").timeouts_s["assistant"] == 15.0
