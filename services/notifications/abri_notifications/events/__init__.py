"""Handlers of the events the notifications service consumes: every contract that names notifications
among its consumers goes to one dispatcher (``dispatch.py``), which the routing table drives, but matching's
household events, which feed the consent gate and the erasure (``households.py``). Thin
adapters: the work is in ``usecases/``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from abri_bus.consumer import Handler
from abri_contracts import EventContract, registry
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_kit.clock import Clock, system_clock
from abri_notifications.events.dispatch import on_event
from abri_notifications.events.households import on_consents_changed, on_household_erased


def handlers(clock: Clock = system_clock) -> Mapping[type[EventContract], Handler]:
    """The handlers, on the service's clock."""
    dispatch = partial(on_event, clock=clock)
    routed: dict[type[EventContract], Handler] = {
        contract: dispatch for contract in registry.values() if "notifications" in contract.consumers
    }
    routed[HouseholdConsentsChanged] = partial(on_consents_changed, clock=clock)  # not told to anyone: the gate's read model
    routed[HouseholdErased] = partial(on_household_erased, clock=clock)
    return routed
