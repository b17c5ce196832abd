"""Keeping the directory in step with the people who call the service: their organisation and roles are
those of their token, refreshed at each call; their own choices (channels, addresses, language, quiet
hours) they set themselves (``api/me.py``). Addresses are sealed: a database dump shows none."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.principal import Principal
from abri_kit.envelope import Keyring, WrappedKey
from abri_notifications.db.directory import Person

DEFAULT_LANGUAGE = "fr"
DEFAULT_ZONE = "Europe/Paris"


async def enrol(session: AsyncSession, principal: Principal) -> Person:
    """The caller's entry, created with the defaults (inbox only, French) or refreshed from the token."""
    roles = sorted(principal.roles)
    statement = insert(Person).values(
        subject=principal.subject,
        org_id=principal.org_id,
        roles=roles,
        language=DEFAULT_LANGUAGE,
        channels=[],
        zone=DEFAULT_ZONE,
        daily_digest=False,
    )
    await session.execute(
        statement.on_conflict_do_update(index_elements=[Person.subject], set_={"org_id": principal.org_id, "roles": roles})
    )
    person = await session.get(Person, principal.subject, populate_existing=True)
    assert person is not None
    return person


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None


def read_contact(keyring: Keyring, person: Person) -> Contact:
    """The person's addresses (opened for sending, or for showing them their own)."""
    if person.contact is None or person.contact_kek is None:
        return Contact(None, None)
    opened = json.loads(keyring.unwrap(WrappedKey(person.contact_kek, person.contact), person.subject))
    return Contact(opened.get("email"), opened.get("phone"))


def write_contact(keyring: Keyring, person: Person, contact: Contact) -> None:
    """Seal the addresses (AES-GCM under the key-encryption key, bound to the subject)."""
    wrapped = keyring.wrap(json.dumps({"email": contact.email, "phone": contact.phone}).encode(), person.subject)
    person.contact_kek, person.contact = wrapped.kek_id, wrapped.blob
    person.has_email, person.has_phone = contact.email is not None, contact.phone is not None
