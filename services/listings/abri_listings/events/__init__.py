"""Handlers of the events the listings service consumes, by contract: the placement steps that
reserve, let or publish a unit again (see ``placements.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from abri_bus.consumer import Handler
from abri_contracts import EventContract
from abri_contracts.matching import LeaseSigned, PlacementAccepted, PlacementFellThrough
from abri_listings.events.placements import on_accepted, on_fell_through, on_lease_signed

handlers: Mapping[type[EventContract], Handler] = {
    PlacementAccepted: on_accepted,
    LeaseSigned: on_lease_signed,
    PlacementFellThrough: on_fell_through,
}
