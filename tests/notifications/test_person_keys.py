"""People's addresses under a data key of their own in the key store (``directory.py``): erasing one person
leaves the others readable, and that person's sealed addresses open with nothing left anywhere; addresses
sealed the old way (directly under the KEK) are sealed again under the person's key on first use; the
erasure ledger lists the erased person before the key goes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from abri_kit.envelope import Keyring, Unreadable, open_json
from abri_notifications.db.directory import Person
from abri_notifications.directory import NO_CONTACT, erase_people, read_contact
from abri_notifications.settings import PERSON_NAMESPACE
from tests.notifications.support import Api, as_, execute, rows, unique
from tests.notifications.support import api as api
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import credentials

pytestmark = pytest.mark.timeout(60)


async def keystore_rows(statement: str, **params: object) -> list[Any]:
    engine = create_async_engine(credentials()["ABRI_NOTIFICATIONS_KEYSTORE_URL"])
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.text(statement), params)).all())
    finally:
        await engine.dispose()


async def ledger_rows(subject: str) -> list[Any]:
    engine = create_async_engine(credentials()["ABRI_NOTIFICATIONS_LEDGER_URL"])
    try:
        async with engine.connect() as conn:
            query = sa.text("SELECT requested_by FROM erasures WHERE namespace = :n AND subject_id = :s")
            return list((await conn.execute(query, {"n": PERSON_NAMESPACE, "s": subject})).all())
    finally:
        await engine.dispose()


async def contact_of(app: FastAPI, subject: str) -> object:
    """The person's addresses as the sender opens them (``directory.read_contact``)."""
    async with app.state.sessionmaker() as session:
        person = await session.get(Person, subject)
        assert person is not None
        return await read_contact(app.state.keyring, person)


async def test_erasing_one_person_shreds_their_key_and_leaves_the_others_readable(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    erased, kept = unique("person-e"), unique("person-k")
    for subject, email in ((erased, "erased@example.org"), (kept, "kept@example.org")):
        choices = {"channels": ["email"], "email": email, "phone": "+33611223344"}
        assert (await client.put("/v1/me/preferences", json=choices, headers=as_(issuer, subject, "owner"))).status_code == 200
    sealed = {s: (await rows("SELECT contact, contact_kek FROM people WHERE subject = :s", s=s))[0] for s in (erased, kept)}
    assert all(contact is not None and kek is None for contact, kek in sealed.values())  # under the person's key, not the KEK
    dump = json.dumps([str(await rows("SELECT p::text FROM people p WHERE subject = :s", s=s)) for s in (erased, kept)])
    assert "erased@example.org" not in dump and "33611223344" not in dump
    keys = await keystore_rows("SELECT owner_id FROM data_keys WHERE namespace = :n AND owner_id IN (:a, :b)", n="person", a=erased, b=kept)
    assert {r[0] for r in keys} == {erased, kept}

    await erase_people([erased], at=datetime.now(UTC), requested_by="dpo")

    assert [r[0] for r in await ledger_rows(erased)] == ["dpo"]
    assert await keystore_rows("SELECT 1 FROM data_keys WHERE namespace = 'person' AND owner_id = :s", s=erased) == []
    assert await contact_of(app, erased) == NO_CONTACT  # the row is still there (its deletion is the erasure's last step): nothing opens
    other = await client.get("/v1/me/preferences", headers=as_(issuer, kept, "owner"))
    assert other.json()["email"] == "kept@example.org"
    keyring: Keyring = app.state.keyring
    with pytest.raises(Unreadable):  # the sealed bytes a backup kept: no key of the service opens them
        open_json(keyring.new_data_key(), sealed[erased][0], erased, PERSON_NAMESPACE)


async def test_addresses_sealed_under_the_kek_are_resealed_under_the_persons_key_on_first_use(api: Api, issuer: TestIssuer) -> None:
    app, client = api
    subject = unique("person-old")
    headers = as_(issuer, subject, "owner")
    assert (await client.get("/v1/me/preferences", headers=headers)).status_code == 200  # enrolled, no address
    keyring: Keyring = app.state.keyring
    old = await keyring.wrap(json.dumps({"email": "old@example.org", "phone": None}).encode(), subject)  # the former sealing
    await execute(
        "UPDATE people SET contact_kek = :k, contact = :c, has_email = true, channels = ARRAY['email'] WHERE subject = :s",
        k=old.kek_id,
        c=old.blob,
        s=subject,
    )
    assert (await client.get("/v1/me/preferences", headers=headers)).json()["email"] == "old@example.org"
    contact, kek = (await rows("SELECT contact, contact_kek FROM people WHERE subject = :s", s=subject))[0]
    assert kek is None and bytes(contact) != old.blob  # sealed again, under the person's own key
    assert await keystore_rows("SELECT 1 FROM data_keys WHERE namespace = 'person' AND owner_id = :s", s=subject) != []
    assert (await client.get("/v1/me/preferences", headers=headers)).json()["email"] == "old@example.org"

    await erase_people([subject], at=datetime.now(UTC))
    assert await contact_of(app, subject) == NO_CONTACT
