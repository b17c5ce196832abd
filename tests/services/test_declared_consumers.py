"""The contracts say who consumes each event (the AsyncAPI document, the Kafka ACLs and the fault suite's
audit read it): each service must handle exactly the events its contracts name it a consumer of, or an
event would be declared applied that never is (or applied without its topic's read right)."""

from __future__ import annotations

import importlib

import pytest

from abri_contracts import registry
from abri_contracts.services import SERVICES

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_handles_exactly_the_events_its_contracts_say_it_consumes(service: str) -> None:
    declared = {contract.event_type for contract in registry.values() if service in contract.consumers}
    handled = {contract.event_type for contract in importlib.import_module(f"abri_{service}.events").handlers()}
    assert sorted(declared - handled) == [], "declared as a consumer, no handler"
    assert sorted(handled - declared) == [], "handled, not declared"


def test_every_consumer_named_by_a_contract_is_a_service() -> None:
    named = {consumer for contract in registry.values() for consumer in contract.consumers}
    assert named <= set(SERVICES), sorted(named - set(SERVICES))
