"""Matching's household events: consent to be told (``usecases/households.py``) and erasure."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.households import HouseholdConsentsChanged, HouseholdErased
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context
from abri_notifications.usecases import households


async def on_consents_changed(
    session: AsyncSession, event: ReceivedEvent[HouseholdConsentsChanged], *, clock: Clock = system_clock
) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await households.consents_changed(
        ctx, data.household_id, data.account_subject, list(data.purposes), data.changed_at, data.previous_account_subject, data.org_id
    )


async def on_household_erased(session: AsyncSession, event: ReceivedEvent[HouseholdErased], *, clock: Clock = system_clock) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await households.erase(ctx, data.request_id, data.household_id, data.account_subject, clock(), data.requested_by)
