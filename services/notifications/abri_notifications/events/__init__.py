"""Handlers of the events the notifications service consumes: every contract that names notifications
among its consumers goes to one dispatcher (``dispatch.py``), which the routing table drives."""

from __future__ import annotations

from collections.abc import Mapping

from abri_bus.consumer import Handler
from abri_contracts import EventContract, registry
from abri_notifications.events.dispatch import on_event

handlers: Mapping[type[EventContract], Handler] = {
    contract: on_event for contract in registry.values() if "notifications" in contract.consumers
}
