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


def test_insights_listens_on_8106_and_answers_within_10_seconds_by_default() -> None:
    assert GatewaySettings.model_fields["insights_url"].default == "http://127.0.0.1:8106"  # infra/dev/run.py's port
    assert GatewaySettings(oidc_issuer="http://127.0.0.1:1").timeouts_s["insights"] == 10.0


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("/api/insights/v1/public/insights/platform", True),
        ("/api/insights/v1/public/insights/departements/2A", True),
        ("/api/insights/v1/insights/associations/assoc-1", False),
        ("/api/insights/v1/insights/funds/fund-1", False),
        ("/api/insights/v1/ops/bus", False),
        ("/api/guarantees/v1/public/visa-keys", True),
        ("/api/listings/v1/public/anything", False),  # only the services whose issues name public routes have any
    ],
)
def test_insights_platform_and_departement_reports_need_no_token_and_the_rest_does(path: str, public: bool) -> None:
    route = route_of(path)
    assert route is not None and route.public is public
