"""Matching's ``household.erased`` → listings' receipt (``usecases/erasure.py``): it holds nothing about a household."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.households import HouseholdErased
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context
from abri_listings.usecases import erasure


async def on_household_erased(session: AsyncSession, event: ReceivedEvent[HouseholdErased], *, clock: Clock = system_clock) -> None:
    data = event.data
    await erasure.household_erased(Context.of_system(session, event.envelope.time), data.request_id, data.household_id, clock())
