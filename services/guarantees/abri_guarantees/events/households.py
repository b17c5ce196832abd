"""Matching's household events: its purposes in force feed the consent gate's read model
(``usecases/consent.py``); its erasure erases the household's files here (``usecases/erasure.py``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_guarantees.usecases import consent, erasure
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context


async def on_consents_changed(
    session: AsyncSession, event: ReceivedEvent[HouseholdConsentsChanged], *, clock: Clock = system_clock
) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await consent.consents_changed(ctx, data.household_id, data.org_id, data.account_subject, list(data.purposes), data.changed_at)


async def on_household_erased(session: AsyncSession, event: ReceivedEvent[HouseholdErased], *, clock: Clock = system_clock) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await erasure.erase_household(
        ctx, data.request_id, data.household_id, data.org_id, list(data.placement_ids), clock(), requested_by=data.requested_by
    )
