"""What matching keeps about a person leaves when its period is over (``domain/retention.py``).

- A household out of contact for the period, that no running placement keeps, is erased exactly as if it
  had been asked (``usecases/erasure.py`` ``erase`` with ``requested_by: retention``): the erasure ledger,
  then its data key shredded, its account link and purposes cleared, the request recorded and
  ``household.erased`` published, so that every service erases its copies and sends its receipt.
- A closed placement is deleted with its steps once the limitation period has run since its last step, and
  its inventories are kept (and it with them) while the lease runs and 3 years after the move-out.
- The consents of an erased household, the proof that its processing had a basis, are deleted once the
  limitation period has run since the erasure.

The access log is not swept here (its own job prunes it; its tables are append-only). Each function
treats one batch in the caller's transaction and returns how many rows it treated.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from abri_kit import keystore
from abri_kit.usecase import Context
from abri_matching.db.repositories.retention import Lapsed
from abri_matching.domain.retention import RetentionPolicy
from abri_matching.settings import INVENTORY_NAMESPACE
from abri_matching.usecases.erasure import erase

REQUESTED_BY = "retention"


async def erase_out_of_contact(ctx: Context, policy: RetentionPolicy, batch: int = 50) -> int:
    """Erase up to ``batch`` households whose last contact is older than the period (households another
    replica or a use case holds are skipped); returns how many."""
    households = await Lapsed.for_system(ctx.uow).households_out_of_contact(policy.contact_before(ctx.now), batch)
    for household in households:
        await erase(ctx, household, REQUESTED_BY, retention=policy)
    return len(households)


async def delete_closed_placements(ctx: Context, policy: RetentionPolicy, batch: int = 500) -> tuple[int, list[uuid.UUID]]:
    """Delete up to ``batch`` placements closed for longer than the period, with their steps, and with their
    inventories once those outlived theirs; returns how many, and the inventories deleted, whose keys the caller
    shreds once this transaction committed (:func:`shred_inventories`)."""
    return await Lapsed.for_system(ctx.uow).delete_closed_placements(policy.closed_before(ctx.now), policy.moved_out_before(ctx.now), batch)


async def shred_inventories(inventory_ids: Sequence[uuid.UUID], at: datetime) -> None:
    """Shred the keys of inventories deleted for good, after the deletion committed (a key left by a crash in between
    is harmless; rows without their key would be evidence lost): the erasure ledger first, so that a restored key
    store is shredded again (``abri-ops erasures reapply``), and a copy of the rows in a backup no longer opens."""
    await keystore.erase(INVENTORY_NAMESPACE, [str(i) for i in inventory_ids], at=at, requested_by=REQUESTED_BY)


async def delete_consent_proofs(ctx: Context, policy: RetentionPolicy, batch: int = 500) -> int:
    """Delete up to ``batch`` consents of households erased for longer than the period."""
    return await Lapsed.for_system(ctx.uow).delete_consent_proofs(policy.erased_before(ctx.now), batch)
