"""Handlers of the events the notifications service consumes: every contract that names notifications
among its consumers, or that the routing table tells someone of, goes to one dispatcher (``dispatch.py``),
but matching's household events, which feed the consent gate and the erasure (``households.py``). Thin
adapters: the work is in ``usecases/``.

A routed contract whose ``consumers`` does not (yet) name notifications is handled all the same: it travels
on a topic the service already consumes (``tests/notifications/test_routing.py`` checks it), and its
producer's declaration only lags (matching's sliding-lease alerts and the owner's agreement to a slide)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from abri_bus.consumer import Handler
from abri_contracts import EventContract, registry
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_kit.clock import Clock, system_clock
from abri_notifications.domain.links import DEFAULT_PUBLIC_URL
from abri_notifications.events.dispatch import on_event
from abri_notifications.events.households import on_consents_changed, on_household_erased
from abri_notifications.usecases.telling import told


def handlers(clock: Clock = system_clock, public_url: str = DEFAULT_PUBLIC_URL) -> Mapping[type[EventContract], Handler]:
    """The handlers, on the service's clock; messages link to pages of the web front at ``public_url``."""
    dispatch = partial(on_event, clock=clock, public_url=public_url)
    routed: dict[type[EventContract], Handler] = {
        contract: dispatch for contract in registry.values() if "notifications" in contract.consumers or told(contract.event_type)
    }
    routed[HouseholdConsentsChanged] = partial(on_consents_changed, clock=clock)  # not told to anyone: the gate's read model
    routed[HouseholdErased] = partial(on_household_erased, clock=clock)
    return routed
