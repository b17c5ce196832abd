"""Handlers of the events the listings service consumes, by contract: the placement steps that reserve, let,
publish a unit again or put it back to draft when its lease ended (``placements.py``); a household's erasure,
answered with a receipt (``households.py``). Thin adapters: the work is in ``usecases/``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from abri_bus.consumer import Handler
from abri_contracts import EventContract
from abri_contracts.households import HouseholdErased
from abri_contracts.matching import LeaseEnded, LeaseSigned, PlacementAccepted, PlacementFellThrough
from abri_kit.clock import Clock, system_clock
from abri_listings.events.households import on_household_erased
from abri_listings.events.placements import on_accepted, on_fell_through, on_lease_ended, on_lease_signed


def handlers(clock: Clock = system_clock) -> Mapping[type[EventContract], Handler]:
    """The handlers, on the service's clock."""
    return {
        PlacementAccepted: partial(on_accepted, clock=clock),
        LeaseSigned: partial(on_lease_signed, clock=clock),
        PlacementFellThrough: partial(on_fell_through, clock=clock),
        LeaseEnded: partial(on_lease_ended, clock=clock),
        HouseholdErased: partial(on_household_erased, clock=clock),
    }
