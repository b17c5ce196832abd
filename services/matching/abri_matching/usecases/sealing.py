"""Sealing, opening and erasing a household's personal data (identity, contact, priority situations).

Sealing is the kit's envelope encryption (:mod:`abri_kit.envelope`) under the keyring's namespace,
``household``. Every opening goes through :func:`open_personal`, which writes the access log (the kit's
keyed chain, :mod:`abri_kit.access_log`) in the same transaction. Erasure deletes the household's wrapped
data key: the sealed bytes stay wherever they were copied (backups, replicas) but no longer open.

These are steps of use cases that already hold the household (found for their caller, or reached
through a placement the caller may see): the household's key and log are the service's own, read for
the service (``for_system``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from abri_kit.envelope import Keyring, Unreadable, WrappedKey, open_json, seal_json
from abri_kit.errors import Problem
from abri_kit.usecase import Context
from abri_matching.db.households import Household, HouseholdKey
from abri_matching.db.repositories.access_log import AccessLog
from abri_matching.db.repositories.households import HouseholdKeys


class Erased(Problem):
    """410: the household's personal data were erased (its key destroyed)."""

    def __init__(self, household: Household) -> None:
        super().__init__(410, "this household's personal data were erased", title="Erased")
        self.household_id = household.id


def seal_new(keyring: Keyring, household: Household, personal: dict[str, Any]) -> HouseholdKey:
    """Seal ``personal`` for a new household with a new data key; returns the wrapped key's row, to add."""
    data_key = keyring.new_data_key()
    wrapped = keyring.wrap(data_key, str(household.id))
    household.personal = seal_json(data_key, personal, str(household.id), keyring.namespace)
    return HouseholdKey(household_id=household.id, kek_id=wrapped.kek_id, wrapped=wrapped.blob)


async def seal_personal(ctx: Context, keyring: Keyring, household: Household, personal: dict[str, Any]) -> None:
    """Seal ``personal`` for ``household`` with its data key (created on first use)."""
    keys = HouseholdKeys.for_system(ctx.uow)
    key_row = await keys.find(household.id)
    if key_row is None:
        if household.erased_at is not None:
            raise Erased(household)
        keys.add(seal_new(keyring, household, personal))
        return
    owner = str(household.id)
    data_key = keyring.unwrap(WrappedKey(key_row.kek_id, key_row.wrapped), owner)
    household.personal = seal_json(data_key, personal, owner, keyring.namespace)


async def open_personal(ctx: Context, keyring: Keyring, household: Household, purpose: str) -> dict[str, Any]:
    """The household's personal data, once the access log says who reads them (the caller) and why;
    :class:`Erased` (410) if erased."""
    key_row = await HouseholdKeys.for_system(ctx.uow).find(household.id)
    if key_row is None or household.personal is None:
        raise Erased(household)
    await AccessLog.for_system(ctx.uow).append(household.id, ctx.principal, purpose=purpose, at=ctx.now)
    owner = str(household.id)
    try:
        data_key = keyring.unwrap(WrappedKey(key_row.kek_id, key_row.wrapped), owner)
        return open_json(data_key, household.personal, owner, keyring.namespace)
    except Unreadable as exc:
        raise Erased(household) from exc


async def erase_personal(ctx: Context, household: Household, at: datetime) -> None:
    """Destroy the household's data key (crypto-shredding); the household keeps only its non-personal facts."""
    keys = HouseholdKeys.for_system(ctx.uow)
    key_row = await keys.find(household.id)
    if key_row is not None:
        await keys.remove(key_row)
    household.erased_at = at
