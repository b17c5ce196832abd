"""Every event addressed to notifications → who is told, on which channels, in their language.

For each route of the event type (``domain/routing.py``) that applies, the recipient is resolved: the
owner named by the event (or through the unit, from the read model), the association's social workers
or the fund's agents (people of the directory with that ``org_id`` and role), and the organisation's
webhook endpoints. Each person gets the message in their in-app inbox at once, and by email or SMS
when they chose it (SMS wait for the end of their quiet hours); each endpoint gets a signed webhook.
Values are minimised for the reader and the channel before rendering (``domain/minimisation.py``).

Idempotent: inbox rows and deliveries are keyed by (event id, recipient, channel) with a unique index,
so a redelivered event, or the same step handled twice, adds nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_notifications.db.deliveries import Delivery, InboxMessage
from abri_notifications.db.directory import Person, WebhookEndpoint
from abri_notifications.db.read_models import PlacementOrg, UnitOwner
from abri_notifications.domain.delivery import QuietHours, delivery_key, send_after
from abri_notifications.domain.minimisation import minimise
from abri_notifications.domain.routing import RecipientKind, Route, applies, lookup, recipient_id, routes_for
from abri_notifications.domain.templates import Channel, Rendered, has_sms, render

log = logging.getLogger(__name__)
MEMBER_ROLES = {RecipientKind.ASSOCIATION: "social_worker", RecipientKind.FUND: "fund_agent"}
"""Who, in an organisation, is told: the association's social workers, the fund's agents."""


async def on_event(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
    data: dict[str, Any] = event.data.model_dump()
    await remember(session, data)
    for route in routes_for(event.envelope.type):
        if not applies(route, data):
            continue
        target = recipient_id(route, data) or await through(session, route, data)
        if target is None:
            log.warning("%s %s: no %s to tell (%s)", event.envelope.type, event.envelope.id, route.recipient.value, route.template)
            continue
        await tell(session, event, route, target, data)


async def remember(session: AsyncSession, data: dict[str, Any]) -> None:
    """Keep who stands behind a unit or a placement, for the events that do not name them."""
    if data.get("unit_id") and data.get("owner_id"):
        statement = insert(UnitOwner).values(unit_id=data["unit_id"], owner_id=data["owner_id"])
        await session.execute(statement.on_conflict_do_update(index_elements=[UnitOwner.unit_id], set_={"owner_id": data["owner_id"]}))
    if data.get("placement_id") and data.get("org_id"):
        statement = insert(PlacementOrg).values(placement_id=data["placement_id"], org_id=data["org_id"])
        await session.execute(statement.on_conflict_do_nothing(index_elements=[PlacementOrg.placement_id]))


async def through(session: AsyncSession, route: Route, data: dict[str, Any]) -> str | None:
    found = lookup(route, data)
    if found is None:
        return None
    field, value = found
    if field == "unit_id":
        return await session.scalar(sa.select(UnitOwner.owner_id).where(UnitOwner.unit_id == uuid.UUID(value)))
    return await session.scalar(sa.select(PlacementOrg.org_id).where(PlacementOrg.placement_id == uuid.UUID(value)))


async def tell(session: AsyncSession, event: ReceivedEvent[Any], route: Route, target: str, data: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    if route.recipient is RecipientKind.OWNER:
        people = [await session.get(Person, target) or unenrolled(target)]
        endpoints: list[WebhookEndpoint] = []
    else:
        role = MEMBER_ROLES[route.recipient]
        in_role = sa.literal(role) == sa.any_(Person.roles)
        members = await session.execute(sa.select(Person).where(Person.org_id == target, in_role).order_by(Person.subject))
        people = list(members.scalars())
        hooks = await session.execute(sa.select(WebhookEndpoint).where(WebhookEndpoint.org_id == target, WebhookEndpoint.active))
        endpoints = list(hooks.scalars())
    for person in people:
        await inbox(session, event, route, person, data, now)
        digest = person.daily_digest and route.recipient is RecipientKind.OWNER  # the day's emails go as one (digests.py)
        if "email" in person.channels and person.has_email and not digest:
            await queue(session, event, route, person.subject, Channel.EMAIL, person.language, data, now, now)
        if "sms" in person.channels and person.has_phone and has_sms(route.template):
            quiet = QuietHours(person.quiet_start, person.quiet_end, person.zone) if person.quiet_start and person.quiet_end else None
            await queue(session, event, route, person.subject, Channel.SMS, person.language, data, now, send_after(Channel.SMS, now, quiet))
    for endpoint in endpoints:
        await queue(session, event, route, str(endpoint.id), Channel.WEBHOOK, "fr", data, now, now)


def unenrolled(subject: str) -> Person:
    """An owner the directory does not know yet (never called the service): the inbox only, in French."""
    return Person(subject=subject, language="fr", channels=[], zone="Europe/Paris", daily_digest=False, has_email=False, has_phone=False)


async def inbox(
    session: AsyncSession, event: ReceivedEvent[Any], route: Route, person: Person, data: dict[str, Any], now: datetime
) -> None:
    rendered = render(route.template, person.language, minimise(data, route.recipient, route.template, Channel.INBOX), Channel.INBOX)
    statement = insert(InboxMessage).values(
        id=uuid.uuid4(),
        key=delivery_key(event.envelope.id, person.subject, Channel.INBOX),
        recipient=person.subject,
        event_type=event.envelope.type,
        template=route.template,
        language=rendered.language,
        direction=rendered.direction,
        subject=rendered.subject,
        text=rendered.text,
        created_at=now,
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=[InboxMessage.key]))


async def queue(
    session: AsyncSession,
    event: ReceivedEvent[Any],
    route: Route,
    recipient: str,
    channel: Channel,
    language: str,
    data: dict[str, Any],
    now: datetime,
    due: datetime,
) -> None:
    """A delivery to send (by the sender, ``sender.py``), rendered now in the reader's language."""
    values = minimise(data, route.recipient, route.template, channel)
    rendered = render(route.template, language, values, channel)
    payload = to_jsonable_python(values) if channel is Channel.WEBHOOK else {}
    await add_delivery(session, event.envelope.id, event.envelope.type, route.template, recipient, channel, rendered, payload, now, due)


async def add_delivery(
    session: AsyncSession,
    event_id: str,
    event_type: str,
    template: str,
    recipient: str,
    channel: Channel,
    rendered: Rendered,
    payload: dict[str, Any],
    now: datetime,
    due: datetime,
) -> None:
    """Queue a rendered message for the sender; nothing if this (event, recipient, channel) is queued already."""
    statement = insert(Delivery).values(
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
        created_at=now,
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=[Delivery.key]))
