"""The owners' daily digest: for an owner who chose it, the day's emails go as one, at the hour they
chose on their wall clock, listing the subjects of the messages their inbox received since the last one
(``domain/digest.py``); each message stays in the inbox in full. A digest is a delivery like any other
(the sender sends it, retries it), keyed by the person and the day's slot, so it is made once.

The window is by order of arrival (``seq``): a message dated before the last digest (its event happened
earlier, or was handled late) still goes in the next one. People are read in batches by subject, taken
with SKIP LOCKED, so several replicas can run it; each batch costs the same few queries however many
people it holds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from abri_kit.usecase import Context
from abri_notifications.db.directory import Person
from abri_notifications.db.repositories.inbox import InboxMessages
from abri_notifications.db.repositories.people import People
from abri_notifications.domain.digest import DigestItem, compose_digest, digest_due, last_slot
from abri_notifications.domain.links import DEFAULT_PUBLIC_URL, INBOX, absolute
from abri_notifications.domain.routing import RecipientKind
from abri_notifications.domain.templates import DIGEST_TEMPLATE, Channel
from abri_notifications.usecases.queueing import add_delivery

DIGEST_EVENT = "abri.notifications.digest"
FIRST_WINDOW = timedelta(days=1)
"""A first digest lists the messages of the last day at most."""


async def make_digests(ctx: Context, after: str | None, batch: int, public_url: str = DEFAULT_PUBLIC_URL) -> tuple[int, str | None]:
    """Queue the digests due at ``ctx.now`` of the next ``batch`` people who take one, by subject after
    ``after``; returns how many were queued and the subject to go on after (None: no one is left)."""
    people = await People.for_system(ctx.uow).taking_digests(after, batch)
    due = [person for person in people if digest_due(person.last_digest_at, ctx.now, person.digest_at, person.zone)]
    made = await digest_for(ctx, due, public_url) if due else 0
    return made, people[-1].subject if len(people) == batch else None


async def digest_for(ctx: Context, people: list[Person], public_url: str = DEFAULT_PUBLIC_URL) -> int:
    """Queue a digest for each of ``people`` whose inbox received an owner's message since their last one
    (linking to the inbox of the web front at ``public_url``)."""
    inbox = InboxMessages.for_system(ctx.uow)
    subjects = [person.subject for person in people]
    newest = await inbox.latest_of(subjects)  # before the window: what arrives between the two reads is in both
    held: dict[str, list[DigestItem]] = defaultdict(list)
    for recipient, template, created_at, seq in await inbox.since_last_digest(subjects, ctx.now - FIRST_WINDOW):
        newest[recipient] = max(newest.get(recipient, 0), seq)
        if template.startswith(f"{RecipientKind.OWNER.value}."):
            held[recipient].append(DigestItem(template, created_at))
    made = 0
    for person in people:
        person.last_digest_at = ctx.now
        person.last_digest_seq = max(newest.get(person.subject, 0), person.last_digest_seq or 0)
        items = held.get(person.subject)
        if items:
            await queue(ctx, person, items, public_url)
            made += 1
    return made


async def queue(ctx: Context, person: Person, items: list[DigestItem], public_url: str = DEFAULT_PUBLIC_URL) -> None:
    slot = last_slot(ctx.now, person.digest_at, person.zone)
    event_id = f"digest:{person.subject}:{slot.isoformat()}"  # once per person and day
    rendered = compose_digest(items, person.language, absolute(public_url, INBOX))
    await add_delivery(ctx, event_id, DIGEST_EVENT, DIGEST_TEMPLATE, person.subject, Channel.EMAIL, rendered, {}, ctx.now)
