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

from abri_kit.usecase import Context
from abri_matching.db.repositories.retention import Lapsed
from abri_matching.domain.retention import RetentionPolicy
from abri_matching.usecases.erasure import erase
from abri_matching.usecases.inventory_sealing import shred_inventory_keys

REQUESTED_BY = "retention"


async def erase_out_of_contact(ctx: Context, policy: RetentionPolicy, batch: int = 50) -> int:
    """Erase up to ``batch`` households whose last contact is older than the period (households another
    replica or a use case holds are skipped); returns how many."""
    households = await Lapsed.for_system(ctx.uow).households_out_of_contact(policy.contact_before(ctx.now), batch)
    for household in households:
        await erase(ctx, household, REQUESTED_BY, retention=policy)
    return len(households)


async def delete_closed_placements(ctx: Context, policy: RetentionPolicy, batch: int = 500) -> int:
    """Delete up to ``batch`` placements closed for longer than the period, with their steps, and with their
    inventories once those outlived theirs (whose keys are then shredded: the rows are gone from this
    transaction on, and a copy of them in a backup no longer opens)."""
    count, inventories = await Lapsed.for_system(ctx.uow).delete_closed_placements(
        policy.closed_before(ctx.now), policy.moved_out_before(ctx.now), batch
    )
    await shred_inventory_keys(inventories)
    return count


async def delete_consent_proofs(ctx: Context, policy: RetentionPolicy, batch: int = 500) -> int:
    """Delete up to ``batch`` consents of households erased for longer than the period."""
    return await Lapsed.for_system(ctx.uow).delete_consent_proofs(policy.erased_before(ctx.now), batch)
