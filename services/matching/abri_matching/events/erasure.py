"""The other services' erasure receipts → the erasure's state per service (``usecases/erasure.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.erasure import ErasureCompleted
from abri_kit.usecase import Context
from abri_matching.usecases import erasure


async def on_erasure_completed(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
    data: ErasureCompleted = event.data
    kept = [item.model_dump(mode="json") for item in data.kept]
    await erasure.receive_receipt(Context.of_system(session, event.envelope.time), data.request_id, data.erased_in, data.completed_at, kept)
