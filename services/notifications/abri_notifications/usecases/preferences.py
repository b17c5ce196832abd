"""A person's notification preferences: channels, sealed addresses, language, quiet hours, the owners'
daily digest. Each person reads and sets only their own (reading them enrols the caller)."""

from __future__ import annotations

from typing import Any

from abri_kit.envelope import KeyEncryption
from abri_kit.usecase import Context
from abri_notifications.db.directory import Person
from abri_notifications.db.repositories.people import People
from abri_notifications.directory import Contact, read_contact, write_contact


async def read_preferences(ctx: Context, keyring: KeyEncryption) -> tuple[Person, Contact]:
    """The caller's entry and their addresses, opened for them."""
    person = await People.of(ctx).enrol(ctx.now)
    return person, await read_contact(keyring, person)


async def set_preferences(ctx: Context, keyring: KeyEncryption, choices: dict[str, Any], contact: Contact) -> Person:
    """Replace the caller's choices (``choices``: the entry's columns, addresses apart) and seal ``contact``."""
    person = await People.of(ctx).enrol(ctx.now)
    for name, value in choices.items():
        setattr(person, name, value)
    await write_contact(keyring, person, contact)
    person.updated_at = ctx.now
    return person
