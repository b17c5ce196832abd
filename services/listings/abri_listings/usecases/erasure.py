"""A household erased in matching: listings holds nothing about a household (units, owners, placements
named by id only; never a household's id or data), so it has nothing to erase. It says so in its receipt
(``abri.listings.erasure.completed.v1``, ``kept: []``), so that the requester sees every service answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from abri_contracts.erasure import ListingsErasureCompleted
from abri_kit.usecase import Context


async def household_erased(ctx: Context, request_id: uuid.UUID, household_id: uuid.UUID, processed_at: datetime) -> None:
    receipt = ListingsErasureCompleted(
        request_id=request_id, household_id=household_id, erased_in="listings", completed_at=processed_at, kept=[]
    )
    await ctx.uow.publish(receipt, at=processed_at)
