"""For ops: deliveries that failed for good (and those still retrying, or sent), in pages, without any
personal data, and a retry once the cause is fixed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.pagination import Page
from abri_notifications.db.models import Delivery
from abri_notifications.usecases import deliveries

router = APIRouter(prefix="/v1/ops/deliveries", tags=["operations"])
Ops = Annotated[Principal, Depends(require_roles("ops"))]


class DeliveryOut(BaseModel):
    """What ops need to act: ids, the channel, the template, the state; never an address or a text."""

    id: uuid.UUID
    event_id: str
    event_type: str
    template: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime


def out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.get("", summary="Deliveries by status (failed: permanently), newest first (in pages)")
async def list_deliveries(
    _: Ops,
    ctx: Ctx,
    page: PageParams,
    status: Annotated[Literal["pending", "sent", "failed", "cancelled"], Query()] = "failed",
) -> Page[DeliveryOut]:
    rows, next_cursor = await deliveries.list_deliveries(ctx, page, status)
    return Page[DeliveryOut](items=[out(delivery) for delivery in rows], next_cursor=next_cursor)


@router.post("/{delivery_id}/retry", summary="Send a failed delivery again (after fixing its cause)")
async def retry(delivery_id: uuid.UUID, _: Ops, ctx: Ctx) -> DeliveryOut:
    return out(await deliveries.retry_delivery(ctx, delivery_id))
