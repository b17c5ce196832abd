"""Guarantee files' personal data leave the live database 3 years after the last contact (CNIL,
référentiel gestion locative: rental-guarantee data; ``domain/guarantee.py`` ``personal_data_kept_until``).

The last contact is the latest of the file's creation, its steps, its claims (filed, validated, paid)
and the end of its guarantee; a file whose guarantee still runs is kept. Erasing crypto-shreds: the
file is written to the erasure ledger, then its data key is shredded in the key store, so the tenant's
data, the messages, the documents and the visa holder's HMAC can no longer be opened anywhere (backups
included); the sealed columns are emptied too, and a step records the erasure. Ids, statuses, amounts
and coded reasons stay (no personal data).

The copies of signed inventories kept for damage claims (rooms, items, conditions: no person) go when no
guarantee file of their placement keeps its data any more (none was filed, or each is erased) and they were
signed longer ago than the same period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.repositories.erasure import Erasure
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.guarantees import Claims, Guarantees
from abri_guarantees.db.repositories.read_models import SignedInventories
from abri_guarantees.domain.guarantee import personal_data_kept_until
from abri_kit.calendar import day_in_france
from abri_kit.usecase import Context

RETENTION_REASON = "retention_period_over"


async def last_contact(ctx: Context, file: GuaranteeFile) -> datetime:
    """The latest moment the file was touched: created, a step, a claim's step, its guarantee's end."""
    moments = [file.created_at]
    moments.append(await Erasure.for_system(ctx.uow).last_step_at(file) or file.created_at)
    moments.append(await Claims.for_system(ctx.uow).last_moment_on(file.id) or file.created_at)
    ended_on = await Guarantees.for_system(ctx.uow).ended_on(file.id)
    if ended_on is not None:
        moments.append(datetime.combine(ended_on, datetime.min.time(), tzinfo=UTC))
    return max(moments)


async def erase_lapsed(ctx: Context, years: int, batch: int = 100) -> int:
    """Erase the personal data of up to ``batch`` files whose retention ended before ``ctx.now``; returns how many."""
    erasure = Erasure.for_system(ctx.uow)
    erased = 0
    for file in await erasure.candidates(ctx.now - timedelta(days=365 * years - 1), batch):
        if personal_data_kept_until(day_in_france(await last_contact(ctx, file)), years) >= ctx.today:
            continue
        await erasure.shred(file, at=ctx.now, requested_by="retention")
        Files.for_system(ctx.uow).add_step(
            FileStep.note(file, "erase", actor="abri-guarantees", role="system", at=ctx.now, reasons=[RETENTION_REASON])
        )
        erased += 1
    # the signed inventories kept for damage claims go once no file of their placement keeps its data, after the same period
    await SignedInventories.for_system(ctx.uow).delete_unneeded(ctx.now - timedelta(days=365 * years), batch)
    return erased
