"""``make run``'s and ``make test``'s lists agree with the list of services (``abri_contracts.services``):
a database and a port for each, the gateway's default address of each on that port, and the local secrets
(KEKs, the access log's MAC key) of each service that keeps per-person keys. Read from the scripts: nothing
starts."""

from __future__ import annotations

import sys

import pytest

from abri_contracts.services import SERVICES
from abri_gateway.settings import GatewaySettings
from tests.support import REPO, infra_module

pytestmark = pytest.mark.unit

pgctl = infra_module("infra/postgres/pgctl.py")


@pytest.fixture(scope="module")
def default_ports() -> dict[str, int]:
    sys.path.insert(0, str(REPO / "infra" / "dev"))  # run.py imports its neighbours (stack, demo)
    try:
        ports: dict[str, int] = infra_module("infra/dev/run.py").DEFAULT_PORTS
    finally:
        sys.path.remove(str(REPO / "infra" / "dev"))
    return ports


def test_every_service_has_a_database_and_a_port_of_its_own(default_ports: dict[str, int]) -> None:
    assert set(SERVICES) <= set(pgctl.SERVICES)
    assert set(SERVICES) <= set(default_ports)
    assert len(set(default_ports.values())) == len(default_ports)


@pytest.mark.parametrize("service", SERVICES)
def test_the_gateway_finds_each_service_where_make_run_starts_it(service: str, default_ports: dict[str, int]) -> None:
    assert GatewaySettings.model_fields[f"{service}_url"].default == f"http://127.0.0.1:{default_ports[service]}"


@pytest.mark.parametrize("service", pgctl.KEYSTORE_SERVICES)
def test_each_service_with_a_key_store_gets_its_local_keks_and_access_log_key(service: str) -> None:
    stack = infra_module("infra/dev/stack.py")
    generated = stack.generated_secrets(service)
    assert {f"ABRI_{service.upper()}_KEKS", f"ABRI_{service.upper()}_ACCESS_LOG_KEY"} <= set(generated)


def test_the_services_with_a_key_store_are_those_that_declare_a_keyring() -> None:
    """pgctl's KEYSTORE_SERVICES (a key store and the erasure ledger each) and the keyrings the services declare to
    abri-ops are the same services: listings and insights keep no per-person keys."""
    from abri_ops.environment import keyrings

    assert set(keyrings()) == set(pgctl.KEYSTORE_SERVICES) < set(SERVICES)
    assert {"listings", "insights"}.isdisjoint(pgctl.KEYSTORE_SERVICES)


@pytest.mark.parametrize("service", [service for service in SERVICES if service not in pgctl.KEYSTORE_SERVICES])
def test_a_service_without_a_key_store_gets_no_local_secret(service: str) -> None:
    assert infra_module("infra/dev/stack.py").generated_secrets(service) == {}
