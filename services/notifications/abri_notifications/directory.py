"""The people's addresses, sealed: a database dump shows none. They are opened only to send
(``usecases/sending.py``) and to show people their own (``usecases/preferences.py``); their organisation
and roles are those of their token, refreshed at each call (``db/repositories/people.py``).

Each person's addresses are sealed (AES-256-GCM, bound to the subject) with a data key of their own, kept
wrapped by the service's key-encryption key in the key store (:mod:`abri_kit.keystore`, namespace
``person``, outside the data backups). Erasing a person (:func:`erase_people`: their erasure, or their
entry's retention period) writes them to the erasure ledger, then shreds their key: their addresses no
longer open anywhere, backups included, and ``abri-ops erasures reapply`` shreds the key again after a
restore.

Addresses sealed before the key store (directly under the KEK, ``people.contact_kek`` set) still open, and
are sealed again under the person's own key the first time they are read or written: the conversion needs
the KEK, which a migration does not hold. Until then, such addresses are erased with the row that holds
them (and a restored backup still holds them: the conversion, or the person's deletion, must happen before
the backups older than the key store expire; docs/operations.md).

A subject erased stays in the ledger: if the same account comes back and enters addresses again, they are
sealed under a new key, which a reapply after a later restore shreds too (the safe side: the person enters
them once more).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from abri_kit import keystore
from abri_kit.envelope import KeyEncryption, WrappedKey, open_json, seal_json
from abri_kit.keystore import PersonalKeys
from abri_notifications.db.directory import Person
from abri_notifications.settings import PERSON_NAMESPACE


@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None


NO_CONTACT = Contact(None, None)


def _keys(keyring: KeyEncryption) -> PersonalKeys:
    return PersonalKeys(keyring.in_namespace(PERSON_NAMESPACE))


async def read_contact(keyring: KeyEncryption, person: Person) -> Contact:
    """The person's addresses (opened for sending, or for showing them their own); none once erased. Addresses
    sealed the old way (under the KEK) are sealed again under the person's key (in the caller's transaction)."""
    if person.contact is None:
        return NO_CONTACT
    if person.contact_kek is not None:  # sealed before the key store: converted now
        opened = json.loads(await keyring.unwrap(WrappedKey(person.contact_kek, person.contact), person.subject))
        contact = Contact(opened.get("email"), opened.get("phone"))
        await write_contact(keyring, person, contact)
        return contact
    return _opened(person, await _keys(keyring).find(person.subject))


async def read_contacts(keyring: KeyEncryption, people: Collection[Person]) -> dict[str, Contact]:
    """The addresses of each of ``people``, by subject, as :func:`read_contact` gives them, with one read of
    the key store for all (a batch of deliveries)."""
    sealed = [person.subject for person in people if person.contact is not None and person.contact_kek is None]
    keys = await _keys(keyring).find_many(sealed)
    found: dict[str, Contact] = {}
    for person in people:
        if person.contact_kek is not None and person.contact is not None:
            found[person.subject] = await read_contact(keyring, person)
        else:
            found[person.subject] = _opened(person, keys.get(person.subject))
    return found


def _opened(person: Person, data_key: bytes | None) -> Contact:
    if person.contact is None or data_key is None:
        return NO_CONTACT  # none given, or erased: the sealed bytes may linger, nothing opens them
    opened = open_json(data_key, person.contact, person.subject, PERSON_NAMESPACE)
    return Contact(opened.get("email"), opened.get("phone"))


async def write_contact(keyring: KeyEncryption, person: Person, contact: Contact) -> None:
    """Seal the addresses under the person's data key (created, and stored in the key store, first)."""
    data_key = await _keys(keyring).create(person.subject)
    person.contact = seal_json(data_key, {"email": contact.email, "phone": contact.phone}, person.subject, PERSON_NAMESPACE)
    person.contact_kek = None
    person.has_email, person.has_phone = contact.email is not None, contact.phone is not None


async def erase_people(
    subjects: Sequence[str], *, at: datetime, request_id: uuid.UUID | None = None, requested_by: keystore.Requester = "household"
) -> None:
    """Crypto-shred the people's addresses: the erasure ledger first, then their keys (both committed at once,
    outside the caller's transaction); the caller then deletes or empties their rows (the third step). A repeat,
    or ``abri-ops erasures reapply notifications``, finishes an interrupted erasure."""
    await keystore.erase(PERSON_NAMESPACE, list(subjects), at=at, request_id=request_id, requested_by=requested_by)
