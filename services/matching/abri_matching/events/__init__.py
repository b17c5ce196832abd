"""Handlers of the events the matching service consumes, by contract: listings' unit events feed the
read model of units (``units.py``); the guarantees service's decisions move placements (``guarantees.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from abri_bus.consumer import Handler
from abri_contracts import EventContract
from abri_contracts.guarantees import GuaranteeActivationRefused, GuaranteeApproved, GuaranteeRejected
from abri_contracts.listings import UnitLet, UnitPublished, UnitRepublished, UnitReserved, UnitUpdated, UnitWithdrawn
from abri_matching.events.guarantees import on_activation_refused, on_guarantee_approved, on_guarantee_rejected
from abri_matching.events.units import on_unit_snapshot, on_unit_withdrawn

handlers: Mapping[type[EventContract], Handler] = {
    UnitPublished: on_unit_snapshot,
    UnitUpdated: on_unit_snapshot,
    UnitReserved: on_unit_snapshot,
    UnitLet: on_unit_snapshot,
    UnitRepublished: on_unit_snapshot,
    UnitWithdrawn: on_unit_withdrawn,
    GuaranteeApproved: on_guarantee_approved,
    GuaranteeRejected: on_guarantee_rejected,
    GuaranteeActivationRefused: on_activation_refused,
}
