"""Putting a rendered message in the sender's queue: one delivery per (event, recipient, channel), so a
redelivered event, or the same step handled twice, queues nothing more."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from abri_kit.usecase import Context
from abri_notifications.db.repositories.deliveries import Deliveries
from abri_notifications.domain.delivery import delivery_key
from abri_notifications.domain.templates import Channel, Rendered


async def add_delivery(
    ctx: Context,
    event_id: str,
    event_type: str,
    template: str,
    recipient: str,
    channel: Channel,
    rendered: Rendered,
    payload: dict[str, Any],
    due: datetime,
) -> None:
    """Queue a rendered message for the sender, due at ``due`` and dated ``ctx.now`` (when what it tells
    of happened); nothing if this (event, recipient, channel) is queued already."""
    await Deliveries.for_system(ctx.uow).add_once(
        id=uuid.uuid4(),
        key=delivery_key(event_id, recipient, channel),
        event_id=event_id,
        event_type=event_type,
        template=template,
        recipient=recipient,
        channel=channel.value,
        language=rendered.language,
        subject=rendered.subject,
        text=rendered.sms if channel is Channel.SMS and rendered.sms else rendered.text,
        html=rendered.html,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=due,
        created_at=ctx.now,
    )
