"""The people's addresses, sealed: a database dump shows none. They are opened only to send
(``usecases/sending.py``) and to show people their own (``usecases/preferences.py``); their organisation
and roles are those of their token, refreshed at each call (``db/repositories/people.py``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from abri_kit.envelope import Keyring, WrappedKey
from abri_notifications.db.directory import Person


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
