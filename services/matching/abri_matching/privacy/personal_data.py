"""Sealing, reading and erasing a household's personal data (identity, contact, priority situations).

Sealing is the kit's envelope encryption (:mod:`abri_kit.envelope`) under the keyring's namespace,
``household``. Reads go through :func:`read_personal`, which writes the access log (the kit's hash
chain, :mod:`abri_kit.access_log`, over ``personal_data_access_log``) in the same transaction. Erasure
deletes the household's wrapped data key: the sealed bytes stay wherever they were copied (backups,
replicas) but no longer open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.principal import Principal
from abri_kit import access_log
from abri_kit.envelope import Keyring, Unreadable, WrappedKey, open_json, seal_json
from abri_matching.db.households import AccessLogEntry, Household, HouseholdKey

ACCESS_LOG_LOCK = 0x61627269_6C6F67  # "abrilog": the advisory lock that serialises appends to the access log


class Erased(Exception):
    """The household's personal data were erased (its key destroyed)."""


def seal_new(keyring: Keyring, household: Household, personal: dict[str, Any]) -> HouseholdKey:
    """Seal ``personal`` for a new household with a new data key; returns the wrapped key's row, to add."""
    data_key = keyring.new_data_key()
    wrapped = keyring.wrap(data_key, str(household.id))
    household.personal = seal_json(data_key, personal, str(household.id), keyring.namespace)
    return HouseholdKey(household_id=household.id, kek_id=wrapped.kek_id, wrapped=wrapped.blob)


async def seal_personal(session: AsyncSession, keyring: Keyring, household: Household, personal: dict[str, Any]) -> None:
    """Seal ``personal`` for ``household`` with its data key (created on first use)."""
    key_row = await session.get(HouseholdKey, household.id)
    if key_row is None:
        if household.erased_at is not None:
            raise Erased(f"household {household.id} was erased")
        session.add(seal_new(keyring, household, personal))
        return
    owner = str(household.id)
    data_key = keyring.unwrap(WrappedKey(key_row.kek_id, key_row.wrapped), owner)
    household.personal = seal_json(data_key, personal, owner, keyring.namespace)


async def read_personal(
    session: AsyncSession, keyring: Keyring, household: Household, principal: Principal, purpose: str
) -> dict[str, Any]:
    """The household's personal data, after logging who reads them and why; :class:`Erased` if erased."""
    key_row = await session.get(HouseholdKey, household.id)
    if key_row is None or household.personal is None:
        raise Erased(f"household {household.id} was erased")
    await access_log.append(
        session,
        AccessLogEntry,
        subject="household_id",
        subject_id=household.id,
        actor=principal.subject,
        actor_org=principal.org_id,
        purpose=purpose,
        lock_id=ACCESS_LOG_LOCK,
    )
    owner = str(household.id)
    try:
        data_key = keyring.unwrap(WrappedKey(key_row.kek_id, key_row.wrapped), owner)
        return open_json(data_key, household.personal, owner, keyring.namespace)
    except Unreadable as exc:
        raise Erased(f"household {household.id}: its personal data do not open") from exc


async def erase_personal(session: AsyncSession, household: Household, at: datetime) -> None:
    """Destroy the household's data key (crypto-shredding); the household keeps only its non-personal facts."""
    key_row = await session.get(HouseholdKey, household.id)
    if key_row is not None:
        await session.delete(key_row)
    household.erased_at = at
