"""Ops' view of the deliveries: those that failed for good (or still retrying, or sent), without any
personal data, and a failed one sent again once its cause is fixed."""

from __future__ import annotations

import uuid

from abri_kit.errors import Conflict
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_notifications.db.deliveries import Delivery
from abri_notifications.db.repositories.deliveries import Deliveries


async def list_deliveries(ctx: Context, page: PageRequest, status: str) -> tuple[list[Delivery], str | None]:
    """One page of the deliveries in ``status``, newest first."""
    return await Deliveries.of(ctx).page_by_status(page, status)


async def retry_delivery(ctx: Context, delivery_id: uuid.UUID) -> Delivery:
    """A failed delivery, due again now with its attempts counted afresh; 409 if it is not failed."""
    delivery = await Deliveries.of(ctx).get(delivery_id, for_update=True)
    if delivery.status != "failed":
        raise Conflict(f"the delivery is {delivery.status}, not failed", title="Not failed")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, ctx.now
    return delivery
