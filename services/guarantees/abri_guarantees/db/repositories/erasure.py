"""The files whose personal data may have lapsed, and their erasure (crypto-shredding), for the
retention sweeper and the household's erasure: the service's own work, never a caller's
(``Erasure.for_system``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.guarantees import GuaranteeRecord
from abri_guarantees.settings import NAMESPACE
from abri_kit import keystore
from abri_kit.repository import ScopedRepository


class Erasure(ScopedRepository[GuaranteeFile]):
    model = GuaranteeFile
    kind = "guarantee file"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()  # the sweeper's alone

    async def candidates(self, created_before: datetime, batch: int) -> list[GuaranteeFile]:
        """Up to ``batch`` files created before ``created_before`` whose personal data are still there (not
        erased yet) and whose guarantee (if any) has ended; oldest first, locked, skipping those another
        sweeper holds."""
        running = sa.select(GuaranteeRecord.file_id).where(GuaranteeRecord.ended_on.is_(None))
        statement = (
            self.select(writing=True)
            .where(GuaranteeFile.personal.is_not(None), GuaranteeFile.created_at < created_before, GuaranteeFile.id.not_in(running))
            .order_by(GuaranteeFile.created_at)
            .limit(batch)
            .with_for_update(of=GuaranteeFile, skip_locked=True)
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def last_step_at(self, file: GuaranteeFile) -> datetime | None:
        found: datetime | None = await self.session.scalar(sa.select(sa.func.max(FileStep.at)).where(FileStep.file_id == file.id))
        return found

    async def shred(
        self,
        file: GuaranteeFile,
        *,
        at: datetime | None = None,
        request_id: uuid.UUID | None = None,
        requested_by: keystore.Requester = "retention",
    ) -> None:
        """Crypto-shred the file: the erasure ledger first (so that no restore brings it back), then its data key
        in the key store (both committed at once, outside this transaction), then, in this transaction, its
        documents deleted and its sealed messages and personal data emptied (what ``KEYRING.erased`` lists, for
        ``abri-ops erasures reapply``). ``at``: when it was asked (the ledger's record; now if not given).
        Idempotent: a repeat, or a reapply, finishes an interrupted erasure."""
        await keystore.erase(NAMESPACE, [str(file.id)], at=at or datetime.now(UTC), request_id=request_id, requested_by=requested_by)
        await self.session.execute(sa.delete(Document).where(Document.file_id == file.id))
        await self.session.execute(sa.update(FileStep).where(FileStep.file_id == file.id).values(message=None))
        file.personal = None
