"""Sealing, opening and erasing a household's personal data (identity, contact, priority situations).

Sealing is the kit's envelope encryption (:mod:`abri_kit.envelope`) under the keyring's namespace,
``household``. Every opening goes through :func:`open_personal`, which writes the access log (the kit's
keyed chain, :mod:`abri_kit.access_log`) in the same transaction. The household's data key lives in the key
store (:mod:`abri_kit.keystore`, outside the data backups), wrapped by the service's KEK. Erasure records the
household in the erasure ledger, then shreds its key: the sealed bytes stay wherever they were copied
(backups, replicas) but no longer open, and a restored key store is shredded again from the ledger.

These are steps of use cases that already hold the household (found for their caller, or reached
through a placement the caller may see): the household's key and log are the service's own, read for
the service (``for_system``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from abri_kit import keystore
from abri_kit.envelope import KeyEncryption, Unreadable, open_json, seal_json
from abri_kit.errors import Problem
from abri_kit.keystore import PersonalKeys
from abri_kit.usecase import Context
from abri_matching.db.households import Household
from abri_matching.db.repositories.access_log import AccessLog
from abri_matching.settings import KEYRING_NAMESPACE


class Erased(Problem):
    """410: the household's personal data were erased (its key destroyed)."""

    def __init__(self, household: Household) -> None:
        super().__init__(410, "this household's personal data were erased", title="Erased")
        self.household_id = household.id


async def seal_new(keyring: KeyEncryption, household: Household, personal: dict[str, Any]) -> None:
    """Seal ``personal`` for a new household with a new data key, stored (wrapped) in the key store first."""
    owner = str(household.id)
    data_key = await PersonalKeys(keyring).create(owner)
    household.personal = seal_json(data_key, personal, owner, keyring.namespace)


async def seal_personal(ctx: Context, keyring: KeyEncryption, household: Household, personal: dict[str, Any]) -> None:
    """Seal ``personal`` for ``household`` with its data key (created on first use)."""
    owner = str(household.id)
    if household.erased_at is not None:
        raise Erased(household)
    data_key = await PersonalKeys(keyring).find(owner)
    if data_key is None:
        await seal_new(keyring, household, personal)
        return
    household.personal = seal_json(data_key, personal, owner, keyring.namespace)


async def open_personal(ctx: Context, keyring: KeyEncryption, household: Household, purpose: str) -> dict[str, Any]:
    """The household's personal data, once the access log says who reads them (the caller) and why;
    :class:`Erased` (410) if erased."""
    if household.personal is None or household.erased_at is not None:
        raise Erased(household)
    owner = str(household.id)
    data_key = await PersonalKeys(keyring).find(owner)
    if data_key is None:
        raise Erased(household)
    await AccessLog.for_system(ctx.uow).append(household.id, ctx.principal, purpose=purpose, at=ctx.now)
    try:
        return open_json(data_key, household.personal, owner, keyring.namespace)
    except Unreadable as exc:
        raise Erased(household) from exc


async def erase_personal(
    ctx: Context, household: Household, at: datetime, *, request_id: uuid.UUID | None = None, requested_by: str = "association"
) -> None:
    """Crypto-shred the household: the erasure ledger first, then its data key in the key store (both
    committed at once, outside this transaction), then the household keeps only its non-personal facts (this
    transaction). Idempotent: a repeat, or ``abri-ops erasures reapply``, finishes an interrupted erasure."""
    await keystore.erase(KEYRING_NAMESPACE, [str(household.id)], at=at, request_id=request_id, requested_by=requested_by)
    household.personal = None
    household.erased_at = household.erased_at or at
