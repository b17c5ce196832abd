"""Every event addressed to notifications → who is told, on which channels, in their language.

For each route of the event type (``domain/routing.py``) that applies, the recipient is resolved: the
owner named by the event (or through the unit, from the read model), the association's social workers
or the fund's agents (people of the directory with that ``org_id`` and role), and the organisation's
webhook endpoints. Each person gets the message in their in-app inbox at once, and by email or SMS
when they chose it (SMS wait for the end of their quiet hours); each endpoint gets a signed webhook.
Values are minimised for the reader and the channel before rendering (``domain/minimisation.py``).

The household is told too (issue 20): the routes for a ``household`` name its pseudonymous id (or the
placement, through which the read model finds it); its own account (matching's ``household.consents_changed``,
``household_contacts``) is told when it has one and consents to be told, on its channels and in its
language; otherwise its association's social workers are told to pass the news on (``routing.PASS_ON``,
keyed apart from the association's own message of the same event).

Every message names the home it is about when the service knows it (``domain/homes.py``, from listings'
unit events) and links to the page where its reader acts (``domain/links.py``; e-mails join the path to
``public_url``). The inbox row keeps the minimised values and the link, so that the inbox can render the
message again in the language of the reader's page (``usecases/inbox.py``).

Messages and deliveries are dated ``ctx.now``, when the event happened (a replayed event keeps its
date); they are due from ``processed_at``, when it is handled (quiet hours are judged then).

Events of different topics arrive in no set order (a consumer may lag on one topic while a replica is down):
an event one of whose recipients is found through a unit or a placement the service has not learned yet
is told to the others at once, and kept (``awaiting_events``) to be told again when an event names that
unit or placement (dated as it happened; those already told get nothing twice). The retention sweep forgets
one that waited longer than deliveries are kept; an erased household is told nothing, waiting or not.

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

from abri_contracts import registry
from abri_kit.usecase import Context
from abri_notifications.db.directory import Person, WebhookEndpoint
from abri_notifications.db.repositories.households import NOTIFICATIONS, HouseholdContacts
from abri_notifications.db.repositories.inbox import InboxMessages
from abri_notifications.db.repositories.people import People
from abri_notifications.db.repositories.read_models import AwaitingEvents, PlacementOrgs, UnitOwners
from abri_notifications.db.repositories.webhook_endpoints import WebhookEndpoints
from abri_notifications.domain import params
from abri_notifications.domain.delivery import QuietHours, delivery_key, send_after
from abri_notifications.domain.links import DEFAULT_PUBLIC_URL, absolute, link_for
from abri_notifications.domain.minimisation import minimise
from abri_notifications.domain.routing import PASS_ON, RecipientKind, Route, applies, lookup, recipient_id, routes_for, with_home
from abri_notifications.domain.templates import DEFAULT_LANGUAGE, DEFAULT_ZONE, Channel, has_sms, render
from abri_notifications.usecases.households import muted
from abri_notifications.usecases.queueing import add_delivery

log = logging.getLogger(__name__)
MEMBER_ROLES = {RecipientKind.ASSOCIATION: "social_worker", RecipientKind.FUND: "fund_agent"}
"""Who, in an organisation, is told: the association's social workers, the fund's agents."""
PEOPLE = frozenset({RecipientKind.OWNER, RecipientKind.HOUSEHOLD})
"""Readers who are one person (their account's subject), not an organisation's members."""
HOME_KEY = "_home"
"""Where an inbox row's ``params`` keep the home the message names."""


@dataclass(frozen=True)
class Happened:
    """An event addressed to notifications: its id, its type and its data (when: the context's ``now``)."""

    id: str
    type: str
    data: dict[str, Any]


def told(event_type: str) -> bool:
    """Whether the service tells anyone of events of this type (the routing table has a route for it)."""
    return bool(routes_for(event_type))


async def tell(ctx: Context, event: Happened, processed_at: datetime, public_url: str = DEFAULT_PUBLIC_URL) -> None:
    """Tell everyone the routes of ``event`` name, each once (the home it is about named from its unit's
    snapshot when it carries one: ``routing.with_home``; else from the read model)."""
    received = event.data
    event = Happened(event.id, event.type, with_home(event.data))
    await remember(ctx, event.data, public_url)
    missing = await unknown_context(ctx, event)
    if missing is not None:  # a unit's or placement's event has not arrived yet (another topic): told again once it has
        data = to_jsonable_python(received)
        await AwaitingEvents.for_system(ctx.uow).wait(event.id, event.type, data, ctx.now, processed_at, missing)
        log.info("%s %s: some recipients wait for %s", event.type, event.id, missing)
    home = await home_of(ctx, event.data)
    for route in routes_for(event.type):
        if not applies(route, event.data):
            continue
        if route.recipient is RecipientKind.HOUSEHOLD:
            await tell_household(ctx, event, route, processed_at, home, public_url)
            continue
        target = recipient_id(route, event.data) or await through(ctx, route, event.data)
        if target is None:
            log.warning("%s %s: no %s to tell (%s)", event.type, event.id, route.recipient.value, route.template)
            continue
        await tell_one(ctx, event, route, target, processed_at, home, public_url)


async def unknown_context(ctx: Context, event: Happened) -> str | None:
    """What an event must wait for (``unit_id:<id>``, ``placement_id:<id>``): the unit or placement through
    which one of its recipients is found, when the service has not learned who stands behind it; ``None``
    when every recipient can be found now."""
    for route in routes_for(event.type):
        found = lookup(route, event.data) if applies(route, event.data) else None
        if found is not None and await through(ctx, route, event.data) is None:
            return f"{found[0]}:{found[1]}"
    return None


async def remember(ctx: Context, data: dict[str, Any], public_url: str = DEFAULT_PUBLIC_URL) -> None:
    """Keep who stands behind a unit or a placement, for the events that do not name them, and what names
    the home (a unit event's snapshot); then tell the events that were waiting for that unit or placement."""
    learned: list[str] = []
    if data.get("unit_id") and data.get("owner_id"):
        await UnitOwners.for_system(ctx.uow).remember(uuid.UUID(str(data["unit_id"])), str(data["owner_id"]), data)
        learned.append(f"unit_id:{data['unit_id']}")
    if data.get("placement_id") and data.get("org_id"):
        learned.append(f"placement_id:{data['placement_id']}")
        household = uuid.UUID(str(data["household_id"])) if data.get("household_id") else None
        if household is not None and await erased(ctx, household):
            household = None  # a later event of its placement never links an erased household again
        unit = data.get("unit_id")
        await PlacementOrgs.for_system(ctx.uow).remember(
            uuid.UUID(str(data["placement_id"])), str(data["org_id"]), household, uuid.UUID(str(unit)) if unit else None
        )
    for key in learned:
        for waiting in await AwaitingEvents.for_system(ctx.uow).release(key):
            data_again = registry[waiting.event_type].model_validate(waiting.data).model_dump()  # its types back (dates, ids)
            then = Context.of_system(ctx.uow.session, waiting.happened_at)  # its messages keep the event's own date
            await tell(then, Happened(waiting.event_id, waiting.event_type, data_again), waiting.processed_at, public_url)


async def erased(ctx: Context, household: uuid.UUID) -> bool:
    """Whether the household's data were erased (its contact is kept as a tombstone)."""
    contact = await HouseholdContacts.for_system(ctx.uow).contact_of(household)
    return contact is not None and contact.erased_at is not None


async def home_of(ctx: Context, data: dict[str, Any]) -> dict[str, Any] | None:
    """What names the home the event is about: its unit's, or its placement's unit's (``None``: not known)."""
    unit = data.get("unit_id")
    if not unit and data.get("placement_id"):
        unit = await PlacementOrgs.for_system(ctx.uow).unit_of(uuid.UUID(str(data["placement_id"])))
    return await UnitOwners.for_system(ctx.uow).home_of(uuid.UUID(str(unit))) if unit else None


async def through(ctx: Context, route: Route, data: dict[str, Any]) -> str | None:
    """The recipient an event does not name, found through the unit or the placement it names."""
    found = lookup(route, data)
    if found is None:
        return None
    field, value = found
    if field == "unit_id":
        return await UnitOwners.for_system(ctx.uow).owner_of(uuid.UUID(value))
    if route.recipient is RecipientKind.HOUSEHOLD:
        household = await PlacementOrgs.for_system(ctx.uow).household_of(uuid.UUID(value))
        return str(household) if household else None
    return await PlacementOrgs.for_system(ctx.uow).org_of(uuid.UUID(value))


async def tell_household(
    ctx: Context, event: Happened, route: Route, processed_at: datetime, home: dict[str, Any] | None, public_url: str
) -> None:
    """Tell the household its news on its own account when it has one and consents to be told; otherwise
    its association's social workers, to pass it on (:data:`routing.PASS_ON`)."""
    household = recipient_id(route, event.data) or await through(ctx, route, event.data)
    if household is None:  # an event from before matching named the household: nobody to tell, nor to pass it on to
        log.info("%s %s: no household named (%s)", event.type, event.id, route.template)
        return
    contact = await HouseholdContacts.for_system(ctx.uow).contact_of(uuid.UUID(household))
    if contact is not None and contact.erased_at is not None:  # erased: nothing more told to it, nor passed on for it
        log.info("%s %s: the household is erased (%s)", event.type, event.id, route.template)
        return
    if contact is not None and contact.account_subject and NOTIFICATIONS in contact.purposes:
        await tell_one(ctx, event, route, contact.account_subject, processed_at, home, public_url)
        return
    org = (contact.org_id if contact is not None else None) or event.data.get("org_id")
    if not org and event.data.get("placement_id"):
        org = await PlacementOrgs.for_system(ctx.uow).org_of(uuid.UUID(str(event.data["placement_id"])))
    if not org:
        log.warning("%s %s: no household nor association to tell (%s)", event.type, event.id, route.template)
        return
    passed = Happened(f"{event.id}:household", event.type, {**event.data, "step": route.template})  # keyed apart
    await tell_one(ctx, passed, Route(RecipientKind.ASSOCIATION, PASS_ON), str(org), processed_at, home, public_url, webhooks=False)


async def tell_one(
    ctx: Context,
    event: Happened,
    route: Route,
    target: str,
    processed_at: datetime,
    home: dict[str, Any] | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
    *,
    webhooks: bool = True,
) -> None:
    """Tell the recipient ``target`` of ``route``: a person, or an organisation's members and (unless
    ``webhooks`` is false: a household's news to pass on is for people) its webhooks."""
    endpoints: list[WebhookEndpoint] = []
    if route.recipient in PEOPLE:
        people = [await People.for_system(ctx.uow).find(target) or unenrolled(target)]
    else:
        people = await People.for_system(ctx.uow).members(target, MEMBER_ROLES[route.recipient])
        if webhooks:
            endpoints = await WebhookEndpoints.for_system(ctx.uow).active_of(target)
    silent = await muted(ctx, [person.subject for person in people])  # a household without its consent to be told
    people = [person for person in people if person.subject not in silent]
    link = link_for(route.template, event.data)
    for person in people:
        await to_inbox(ctx, event, route, person, home, link)
        digest = person.daily_digest and route.recipient is RecipientKind.OWNER  # the day's emails go as one (digests)
        if "email" in person.channels and person.has_email and not digest:
            url = absolute(public_url, link)
            await queue(ctx, event, route, person.subject, Channel.EMAIL, person.language, processed_at, home, url)
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


async def to_inbox(ctx: Context, event: Happened, route: Route, person: Person, home: dict[str, Any] | None, link: str) -> None:
    """The message in the person's inbox, in their language, dated when the event happened; with the values
    it was rendered from and its link, to render it again in the language of the reader's page."""
    values = minimise(event.data, route.recipient, route.template, Channel.INBOX)
    rendered = render(route.template, person.language, values, Channel.INBOX, home=home)
    kept = params.encode(values) | ({HOME_KEY: params.encode({HOME_KEY: home})[HOME_KEY]} if home else {})
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
        params=kept,
        link=link,
        created_at=ctx.now,
    )


async def queue(
    ctx: Context,
    event: Happened,
    route: Route,
    recipient: str,
    channel: Channel,
    language: str,
    due: datetime,
    home: dict[str, Any] | None = None,
    url: str | None = None,
) -> None:
    """A delivery to send (by the sender), rendered now in the reader's language."""
    values = minimise(event.data, route.recipient, route.template, channel)
    rendered = render(route.template, language, values, channel, home=home, url=url)
    payload = to_jsonable_python(values) if channel is Channel.WEBHOOK else {}
    await add_delivery(ctx, event.id, event.type, route.template, recipient, channel, rendered, payload, due)
