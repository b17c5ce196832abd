"""The files whose personal data may have lapsed, and their erasure (crypto-shredding), for the
retention sweeper: the service's own work, never a caller's (``Erasure.for_system``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileKey, FileStep, GuaranteeFile
from abri_guarantees.db.guarantees import GuaranteeRecord
from abri_kit.repository import ScopedRepository


class Erasure(ScopedRepository[GuaranteeFile]):
    model = GuaranteeFile
    kind = "guarantee file"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()  # the sweeper's alone

    async def candidates(self, created_before: datetime, batch: int) -> list[GuaranteeFile]:
        """Up to ``batch`` files created before ``created_before``, not erased yet, whose guarantee (if any)
        has ended; oldest first, locked, skipping those another sweeper holds."""
        running = sa.select(GuaranteeRecord.file_id).where(GuaranteeRecord.ended_on.is_(None))
        statement = (
            self.select(writing=True)
            .join(FileKey, FileKey.file_id == GuaranteeFile.id)
            .where(GuaranteeFile.created_at < created_before, GuaranteeFile.id.not_in(running))
            .order_by(GuaranteeFile.created_at)
            .limit(batch)
            .with_for_update(of=GuaranteeFile, skip_locked=True)
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def last_step_at(self, file: GuaranteeFile) -> datetime | None:
        found: datetime | None = await self.session.scalar(sa.select(sa.func.max(FileStep.at)).where(FileStep.file_id == file.id))
        return found

    async def shred(self, file: GuaranteeFile) -> None:
        """Delete the file's data key and documents, empty its sealed messages and personal data."""
        await self.session.execute(sa.delete(FileKey).where(FileKey.file_id == file.id))
        await self.session.execute(sa.delete(Document).where(Document.file_id == file.id))
        await self.session.execute(sa.update(FileStep).where(FileStep.file_id == file.id).values(message=None))
        file.personal = None
