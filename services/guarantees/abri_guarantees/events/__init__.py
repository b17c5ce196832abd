"""Handlers of the events the guarantees service consumes, by contract."""

from __future__ import annotations

from collections.abc import Mapping

from abri_bus.consumer import Handler
from abri_contracts import EventContract

handlers: Mapping[type[EventContract], Handler] = {}
