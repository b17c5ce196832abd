"""The contracts say who consumes each event (the AsyncAPI document, the Kafka ACLs and the fault suite's
audit read it): each service must handle exactly the events its contracts name it a consumer of, or an
event would be declared applied that never is (or applied without its topic's read right)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

import abri_guarantees.events
import abri_listings.events
import abri_matching.events
import abri_notifications.events
from abri_contracts import EventContract, registry

pytestmark = pytest.mark.unit

HANDLERS: dict[str, Mapping[type[EventContract], object]] = {
    "listings": abri_listings.events.handlers(),
    "matching": abri_matching.events.handlers(),
    "guarantees": abri_guarantees.events.handlers(),
    "notifications": abri_notifications.events.handlers(),
}


@pytest.mark.parametrize("service", sorted(HANDLERS))
def test_a_service_handles_exactly_the_events_its_contracts_say_it_consumes(service: str) -> None:
    declared = {contract.event_type for contract in registry.values() if service in contract.consumers}
    handled = {contract.event_type for contract in HANDLERS[service]}
    assert sorted(declared - handled) == [], "declared as a consumer, no handler"
    assert sorted(handled - declared) == [], "handled, not declared"
