"""Handlers of the events the guarantees service consumes, by contract: listings' unit events feed the
unit facts (``units.py``); matching's placement events the placements waiting for a guarantee
(``placements.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from abri_bus.consumer import Handler
from abri_contracts import EventContract
from abri_contracts.listings import UnitLet, UnitPublished, UnitRepublished, UnitReserved, UnitUpdated, UnitWithdrawn
from abri_contracts.matching import GuaranteeRequested, LeaseSigned, PlacementFellThrough
from abri_guarantees.events.placements import on_fell_through, on_guarantee_requested, on_lease_signed
from abri_guarantees.events.units import on_unit_snapshot, on_unit_withdrawn

handlers: Mapping[type[EventContract], Handler] = {
    UnitPublished: on_unit_snapshot,
    UnitUpdated: on_unit_snapshot,
    UnitReserved: on_unit_snapshot,
    UnitLet: on_unit_snapshot,
    UnitRepublished: on_unit_snapshot,
    UnitWithdrawn: on_unit_withdrawn,
    GuaranteeRequested: on_guarantee_requested,
    LeaseSigned: on_lease_signed,
    PlacementFellThrough: on_fell_through,
}
