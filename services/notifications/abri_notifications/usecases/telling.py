"""Every event addressed to notifications → who is told, on which channels, in their language.

For each route of the event type (``domain/routing.py``) that applies, the recipient is resolved: the
owner named by the event (or through the unit, from the read model), the association's social workers
or the fund's agents (people of the directory with that ``org_id`` and role), and the organisation's
webhook endpoints. Each person gets the message in their in-app inbox at once, and by email or SMS
when they chose it (SMS wait for the end of their quiet hours); each endpoint gets a signed webhook.
Values are minimised for the reader and the channel before rendering (``domain/minimisation.py``).

Messages and deliveries are dated ``ctx.now``, when the event happened (a replayed event keeps its
date); they are due from ``processed_at``, when it is handled (quiet hours are judged then).

Idempotent: inbox rows and deliveries are keyed by (event id, recipient, channel) with a unique index,
so a redelivered event, or the same step handled twice, adds nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python

from abri_kit.usecase import Context
from abri_notifications.db.directory import Person, WebhookEndpoint
from abri_notifications.db.repositories.inbox import InboxMessages
from abri_notifications.db.repositories.people import People
from abri_notifications.db.repositories.read_models import PlacementOrgs, UnitOwners
from abri_notifications.db.repositories.webhook_endpoints import WebhookEndpoints
from abri_notifications.domain.delivery import QuietHours, delivery_key, send_after
from abri_notifications.domain.minimisation import minimise
from abri_notifications.domain.routing import RecipientKind, Route, applies, lookup, recipient_id, routes_for, with_home
from abri_notifications.domain.templates import DEFAULT_LANGUAGE, DEFAULT_ZONE, Channel, has_sms, render
from abri_notifications.usecases.households import muted
from abri_notifications.usecases.queueing import add_delivery

log = logging.getLogger(__name__)
MEMBER_ROLES = {RecipientKind.ASSOCIATION: "social_worker", RecipientKind.FUND: "fund_agent"}
"""Who, in an organisation, is told: the association's social workers, the fund's agents."""


@dataclass(frozen=True)
class Happened:
    """An event addressed to notifications: its id, its type and its data (when: the context's ``now``)."""

    id: str
    type: str
    data: dict[str, Any]


def told(event_type: str) -> bool:
    """Whether the service tells anyone of events of this type (the routing table has a route for it)."""
    return bool(routes_for(event_type))


async def tell(ctx: Context, event: Happened, processed_at: datetime) -> None:
    """Tell everyone the routes of ``event`` name, each once (the home it is about named from its unit's
    snapshot when it carries one: ``routing.with_home``)."""
    event = Happened(event.id, event.type, with_home(event.data))
    await remember(ctx, event.data)
    for route in routes_for(event.type):
        if not applies(route, event.data):
            continue
        target = recipient_id(route, event.data) or await through(ctx, route, event.data)
        if target is None:
            log.warning("%s %s: no %s to tell (%s)", event.type, event.id, route.recipient.value, route.template)
            continue
        await tell_one(ctx, event, route, target, processed_at)


async def remember(ctx: Context, data: dict[str, Any]) -> None:
    """Keep who stands behind a unit or a placement, for the events that do not name them."""
    if data.get("unit_id") and data.get("owner_id"):
        await UnitOwners.for_system(ctx.uow).remember(uuid.UUID(str(data["unit_id"])), str(data["owner_id"]))
    if data.get("placement_id") and data.get("org_id"):
        await PlacementOrgs.for_system(ctx.uow).remember(uuid.UUID(str(data["placement_id"])), str(data["org_id"]))


async def through(ctx: Context, route: Route, data: dict[str, Any]) -> str | None:
    """The recipient an event does not name, found through the unit or the placement it names."""
    found = lookup(route, data)
    if found is None:
        return None
    field, value = found
    if field == "unit_id":
        return await UnitOwners.for_system(ctx.uow).owner_of(uuid.UUID(value))
    return await PlacementOrgs.for_system(ctx.uow).org_of(uuid.UUID(value))


async def tell_one(ctx: Context, event: Happened, route: Route, target: str, processed_at: datetime) -> None:
    """Tell the recipient ``target`` of ``route``: a person, or an organisation's members and webhooks."""
    if route.recipient is RecipientKind.OWNER:
        people = [await People.for_system(ctx.uow).find(target) or unenrolled(target)]
        endpoints: list[WebhookEndpoint] = []
    else:
        people = await People.for_system(ctx.uow).members(target, MEMBER_ROLES[route.recipient])
        endpoints = await WebhookEndpoints.for_system(ctx.uow).active_of(target)
    silent = await muted(ctx, [person.subject for person in people])  # a household without its consent to be told
    people = [person for person in people if person.subject not in silent]
    for person in people:
        await to_inbox(ctx, event, route, person)
        digest = person.daily_digest and route.recipient is RecipientKind.OWNER  # the day's emails go as one (digests)
        if "email" in person.channels and person.has_email and not digest:
            await queue(ctx, event, route, person.subject, Channel.EMAIL, person.language, processed_at)
        if "sms" in person.channels and person.has_phone and has_sms(route.template):
            quiet = QuietHours(person.quiet_start, person.quiet_end, person.zone) if person.quiet_start and person.quiet_end else None
            await queue(ctx, event, route, person.subject, Channel.SMS, person.language, send_after(Channel.SMS, processed_at, quiet))
    for endpoint in endpoints:
        await queue(ctx, event, route, str(endpoint.id), Channel.WEBHOOK, DEFAULT_LANGUAGE, processed_at)


def unenrolled(subject: str) -> Person:
    """An owner the directory does not know yet (never called the service): the inbox only, in French."""
    return Person(
        subject=subject, language=DEFAULT_LANGUAGE, channels=[], zone=DEFAULT_ZONE, daily_digest=False, has_email=False, has_phone=False
    )


async def to_inbox(ctx: Context, event: Happened, route: Route, person: Person) -> None:
    """The message in the person's inbox, in their language, dated when the event happened."""
    values = minimise(event.data, route.recipient, route.template, Channel.INBOX)
    rendered = render(route.template, person.language, values, Channel.INBOX)
    await InboxMessages.for_system(ctx.uow).add_once(
        id=uuid.uuid4(),
        key=delivery_key(event.id, person.subject, Channel.INBOX),
        recipient=person.subject,
        event_type=event.type,
        template=route.template,
        language=rendered.language,
        direction=rendered.direction,
        subject=rendered.subject,
        text=rendered.text,
        created_at=ctx.now,
    )


async def queue(ctx: Context, event: Happened, route: Route, recipient: str, channel: Channel, language: str, due: datetime) -> None:
    """A delivery to send (by the sender), rendered now in the reader's language."""
    values = minimise(event.data, route.recipient, route.template, channel)
    rendered = render(route.template, language, values, channel)
    payload = to_jsonable_python(values) if channel is Channel.WEBHOOK else {}
    await add_delivery(ctx, event.id, event.type, route.template, recipient, channel, rendered, payload, due)
