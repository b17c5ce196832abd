"""Handlers of the events the assistant consumes, to keep its read model of households' files: matching's
household events (the household's association and own account; its erasure: its conversations too) and placement events (the step
each placement reached), guarantees' file events (where a guarantee file stands). Thin adapters: the rows are
written by ``db/files.py``, an erasure by ``usecases/erasure.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from abri_assistant.db import files
from abri_assistant.usecases.erasure import erase_household
from abri_bus.consumer import Handler, ReceivedEvent
from abri_contracts import EventContract
from abri_contracts import guarantees as g
from abri_contracts import matching as m
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_kit.usecase import Context

PLACEMENT_STEPS: Mapping[type[EventContract], str | None] = {
    m.PlacementProposed: "proposed",
    m.PlacementAccepted: "accepted",
    m.GuaranteeRequested: "awaiting_guarantee",
    m.LeaseSigned: "lease_signed",
    m.LeaseSlid: "slid",
    m.LeaseEnded: "lease_ended",  # its signed lease ended (slid or not): no longer "lease signed"
    m.PlacementDeclined: "ended",
    m.PlacementExpired: "ended",
    m.PlacementWithdrawn: "ended",
    m.PlacementFellThrough: "ended",
    m.SlidingLeaseReviewed: None,  # no step: the next review's date
}
FILE_STEPS: Mapping[type[EventContract], str] = {
    g.GuaranteeInformationRequested: "information_requested",
    g.GuaranteeApproved: "approved",
    g.GuaranteeRejected: "rejected",
    g.GuaranteeVisaRevoked: "rejected",
}


async def on_household(session: AsyncSession, event: ReceivedEvent[HouseholdConsentsChanged]) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await files.household_changed(ctx, data.household_id, data.org_id, data.account_subject, data.purposes, data.changed_at)


async def on_erased(session: AsyncSession, event: ReceivedEvent[HouseholdErased]) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    subjects = [data.account_subject] if data.account_subject else []
    await erase_household(ctx, data.household_id, subjects, data.request_id, data.requested_by)


async def on_placement(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
    data: m.PlacementEvent = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await files.placement_changed(
        ctx,
        data.placement_id,
        data.household_id,
        data.org_id,
        event.envelope.time,
        status=PLACEMENT_STEPS[type(data)],
        sliding=data.lease_type == "sliding" if isinstance(data, m.LeaseSigned) else None,
        answer_by=data.answer_by if isinstance(data, m.PlacementProposed) else None,
        next_review_by=data.next_review_by if isinstance(data, m.SlidingLeaseReviewed) else None,
    )


async def on_file(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    if isinstance(data, g.GuaranteeFileSubmitted):
        await files.file_changed(
            ctx, data.file_id, data.placement_id, data.outcome, event.envelope.time,
            review_deadline=data.review_deadline, failed_rules=data.failed_rules,
        )  # fmt: skip
    else:
        await files.file_changed(ctx, data.file_id, data.placement_id, FILE_STEPS[type(data)], event.envelope.time)


def handlers() -> Mapping[type[EventContract], Handler]:
    """The contracts the assistant consumes and their handlers."""
    found: dict[type[EventContract], Handler] = {HouseholdConsentsChanged: on_household, HouseholdErased: on_erased}
    found.update({contract: on_placement for contract in PLACEMENT_STEPS})
    file_events: list[type[EventContract]] = [g.GuaranteeFileSubmitted, *FILE_STEPS]
    found.update({contract: on_file for contract in file_events})
    return found
