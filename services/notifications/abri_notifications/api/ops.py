"""For ops: deliveries that failed for good (and those still retrying), without any personal data, and a
retry once the cause is fixed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.problems import Problem
from abri_notifications.db.deliveries import Delivery

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


@router.get("", summary="Deliveries by status (failed: permanently)")
async def list_deliveries(
    principal: Ops,
    session: SessionDep,
    status: Annotated[Literal["pending", "sent", "failed"], Query()] = "failed",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    rows = await session.execute(sa.select(Delivery).where(Delivery.status == status).order_by(Delivery.created_at.desc()).limit(limit))
    return [DeliveryOut.model_validate(delivery, from_attributes=True) for delivery in rows.scalars()]


@router.post("/{delivery_id}/retry", summary="Send a failed delivery again (after fixing its cause)")
async def retry(delivery_id: uuid.UUID, principal: Ops, session: SessionDep, now: Now) -> DeliveryOut:
    delivery = await session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise Problem(404, f"delivery {delivery_id} not found")
    if delivery.status != "failed":
        raise Problem(409, f"the delivery is {delivery.status}, not failed", title="Not failed")
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    return DeliveryOut.model_validate(delivery, from_attributes=True)
