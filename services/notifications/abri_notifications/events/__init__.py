"""Handlers of the events the notifications service consumes: every contract that names notifications
among its consumers goes to one dispatcher (``dispatch.py``), which the routing table drives. Thin
adapters: the work is in ``usecases/``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from abri_bus.consumer import Handler
from abri_contracts import EventContract, registry
from abri_kit.clock import Clock, system_clock
from abri_notifications.events.dispatch import on_event


def handlers(clock: Clock = system_clock) -> Mapping[type[EventContract], Handler]:
    """The handlers, on the service's clock."""
    dispatch = partial(on_event, clock=clock)
    return {contract: dispatch for contract in registry.values() if "notifications" in contract.consumers}
