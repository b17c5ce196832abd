"""Guarantee files' personal data leave the live database 3 years after the last contact (CNIL,
référentiel gestion locative: rental-guarantee data; ``domain/guarantee.py``
``personal_data_kept_until``; the years are ``ABRI_GUARANTEES_RETENTION_YEARS``).

The last contact is the latest of the file's creation, its steps, its claims (filed, validated, paid)
and the end of its guarantee; a file whose guarantee still runs is kept. Erasing crypto-shreds: the
file's data key is deleted, so the tenant's data, the messages, the documents and the visa holder's
HMAC can no longer be opened anywhere (backups included); the sealed columns are emptied too, and a
step records the erasure. Ids, statuses, amounts and coded reasons stay (no personal data).

``erase_lapsed`` takes the time as an argument (tests control the clock); ``retention_sweeper`` runs it
for the app's lifetime. Rows are taken with SKIP LOCKED, so several replicas can sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileKey, FileStep, GuaranteeFile
from abri_guarantees.db.guarantees import Claim, GuaranteeRecord
from abri_guarantees.domain.guarantee import personal_data_kept_until
from abri_kit.clock import day_in_france
from abri_kit.periodic import periodic

RETENTION_REASON = "retention_period_over"


async def last_contact(session: AsyncSession, file: GuaranteeFile) -> datetime:
    moments = [file.created_at]
    moments.append(await session.scalar(sa.select(sa.func.max(FileStep.at)).where(FileStep.file_id == file.id)) or file.created_at)
    claims = sa.select(sa.func.max(sa.func.greatest(Claim.filed_at, Claim.validated_at, Claim.paid_at))).where(Claim.file_id == file.id)
    moments.append(await session.scalar(claims) or file.created_at)
    ended_on = await session.scalar(sa.select(GuaranteeRecord.ended_on).where(GuaranteeRecord.file_id == file.id))
    if ended_on is not None:
        moments.append(datetime.combine(ended_on, datetime.min.time(), tzinfo=UTC))
    return max(moments)


async def erase_lapsed(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, years: int, batch: int = 100) -> int:
    """Erase the personal data of the files whose retention ended before ``now``; returns how many."""
    erased = 0
    async with sessionmaker() as session, session.begin():
        running = sa.select(GuaranteeRecord.file_id).where(GuaranteeRecord.ended_on.is_(None))
        candidates = await session.execute(
            sa.select(GuaranteeFile)
            .join(FileKey, FileKey.file_id == GuaranteeFile.id)  # not erased yet
            .where(GuaranteeFile.created_at < now - timedelta(days=365 * years - 1), GuaranteeFile.id.not_in(running))
            .order_by(GuaranteeFile.created_at)
            .limit(batch)
            .with_for_update(of=GuaranteeFile, skip_locked=True)
        )
        for file in candidates.scalars().all():
            if personal_data_kept_until(day_in_france(await last_contact(session, file)), years) >= day_in_france(now):
                continue
            await session.execute(sa.delete(FileKey).where(FileKey.file_id == file.id))
            await session.execute(sa.delete(Document).where(Document.file_id == file.id))
            await session.execute(sa.update(FileStep).where(FileStep.file_id == file.id).values(message=None))
            file.personal = None
            session.add(FileStep.note(file, "erase", actor="abri-guarantees", role="system", at=now, reasons=[RETENTION_REASON]))
            erased += 1
    return erased


def retention_sweeper(every_s: float, years: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    async def sweep(app: FastAPI) -> int:
        return await erase_lapsed(app.state.sessionmaker, app.state.clock(), years)

    return periodic("guarantees-retention", every_s, sweep, "personal data of %d guarantee file(s) erased (retention)")
