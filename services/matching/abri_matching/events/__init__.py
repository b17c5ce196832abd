"""Handlers of the events the matching service consumes, by contract: listings' unit events feed the
read model of units (``units.py``); the guarantees service's decisions move placements (``guarantees.py``);
every service's erasure receipt updates the erasure's state (``erasure.py``).
Thin adapters: the work is in ``usecases/``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from abri_bus.consumer import Handler
from abri_contracts import EventContract
from abri_contracts.erasure import (
    AssistantErasureCompleted,
    GuaranteesErasureCompleted,
    ListingsErasureCompleted,
    NotificationsErasureCompleted,
)
from abri_contracts.guarantees import GuaranteeActivationRefused, GuaranteeApproved, GuaranteeRejected
from abri_contracts.listings import UnitLeaseEnded, UnitLet, UnitPublished, UnitRepublished, UnitReserved, UnitUpdated, UnitWithdrawn
from abri_kit.clock import Clock, system_clock
from abri_matching.events.erasure import on_erasure_completed
from abri_matching.events.guarantees import on_activation_refused, on_guarantee_approved, on_guarantee_rejected
from abri_matching.events.units import on_unit_snapshot, on_unit_withdrawn


def handlers(clock: Clock = system_clock) -> Mapping[type[EventContract], Handler]:
    """The handlers, on the service's clock (for when an event was processed; what happened is dated by
    the event itself)."""
    snapshot = partial(on_unit_snapshot, clock=clock)
    return {
        UnitPublished: snapshot,
        UnitUpdated: snapshot,
        UnitReserved: snapshot,
        UnitLet: snapshot,
        UnitRepublished: snapshot,
        UnitLeaseEnded: snapshot,
        UnitWithdrawn: partial(on_unit_withdrawn, clock=clock),
        GuaranteeApproved: on_guarantee_approved,
        GuaranteeRejected: on_guarantee_rejected,
        GuaranteeActivationRefused: on_activation_refused,
        GuaranteesErasureCompleted: on_erasure_completed,
        NotificationsErasureCompleted: on_erasure_completed,
        ListingsErasureCompleted: on_erasure_completed,
        AssistantErasureCompleted: on_erasure_completed,
    }
