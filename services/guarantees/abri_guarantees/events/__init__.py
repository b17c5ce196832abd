"""Handlers of the events the guarantees service consumes, by contract: listings' unit events feed the
unit facts (``units.py``); matching's placement events the placements waiting for a guarantee
(``placements.py``); matching's household events the consent gate and the erasure (``households.py``).
Thin adapters: the work is in ``usecases/``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from abri_bus.consumer import Handler
from abri_contracts import EventContract
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_contracts.inventories import InventorySigned
from abri_contracts.listings import UnitLeaseEnded, UnitLet, UnitPublished, UnitRepublished, UnitReserved, UnitUpdated, UnitWithdrawn
from abri_contracts.matching import GuaranteeRequested, LeaseSigned, PlacementFellThrough
from abri_guarantees.events.households import on_consents_changed, on_household_erased
from abri_guarantees.events.placements import on_fell_through, on_guarantee_requested, on_inventory_signed, on_lease_signed
from abri_guarantees.events.units import on_unit_snapshot, on_unit_withdrawn
from abri_kit.clock import Clock, system_clock


def handlers(clock: Clock = system_clock) -> Mapping[type[EventContract], Handler]:
    """The handlers, on the service's clock (for when they processed an event, never for when it happened)."""
    snapshot = partial(on_unit_snapshot, clock=clock)
    return {
        UnitPublished: snapshot,
        UnitUpdated: snapshot,
        UnitReserved: snapshot,
        UnitLet: snapshot,
        UnitRepublished: snapshot,
        UnitLeaseEnded: snapshot,
        UnitWithdrawn: partial(on_unit_withdrawn, clock=clock),
        GuaranteeRequested: partial(on_guarantee_requested, clock=clock),
        LeaseSigned: partial(on_lease_signed, clock=clock),
        PlacementFellThrough: partial(on_fell_through, clock=clock),
        InventorySigned: partial(on_inventory_signed, clock=clock),
        HouseholdConsentsChanged: partial(on_consents_changed, clock=clock),
        HouseholdErased: partial(on_household_erased, clock=clock),
    }
