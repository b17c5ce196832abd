"""Every event addressed to notifications, handed to the use case that tells whom it concerns
(``usecases/telling.py``): dated by the event's own time; the clock says when it was handled."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context
from abri_notifications.domain.links import DEFAULT_PUBLIC_URL
from abri_notifications.usecases.telling import Happened, tell


async def on_event(
    session: AsyncSession, event: ReceivedEvent[Any], *, clock: Clock = system_clock, public_url: str = DEFAULT_PUBLIC_URL
) -> None:
    """Tell the people and the webhook endpoints the event's routes name (links to the web front at ``public_url``)."""
    ctx = Context.of_system(session, event.envelope.time)
    await tell(ctx, Happened(event.envelope.id, event.envelope.type, event.data.model_dump()), clock(), public_url)
