"""Visas, seen by whoever sees their file. The public check finds a visa by its number alone
(:meth:`Visas.for_public_check`): it answers a status, never the visa."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from abri_guarantees.db.repositories.files import ThroughFile
from abri_guarantees.db.visas import VisaRecord
from abri_kit.usecase import UnitOfWork


class Visas(ThroughFile):
    model = VisaRecord
    kind = "visa"

    @classmethod
    def for_public_check(cls, uow: UnitOfWork) -> Visas:
        """Every visa by number, for the public check (which reveals nothing but a status)."""
        return cls.for_system(uow)

    async def of_file(self, file_id: uuid.UUID, *, for_update: bool = False) -> VisaRecord | None:
        """The visa of a file, if it has one (it was approved) and the caller sees it."""
        statement = self.select(writing=for_update).where(VisaRecord.file_id == file_id)
        found: VisaRecord | None = (
            await self.session.execute(statement.with_for_update() if for_update else statement)
        ).scalar_one_or_none()
        return found

    async def of_files(self, file_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, VisaRecord]:
        """The visas of several files at once (a page of files: one query, not one per file)."""
        if not file_ids:
            return {}
        statement = self.select().where(VisaRecord.file_id.in_(file_ids))
        return {visa.file_id: visa for visa in (await self.session.execute(statement)).scalars()}

    async def number_taken(self, number: str) -> bool:
        """Whether a visa already holds ``number`` (whoever's it is: numbers are unique)."""
        return await self.session.get(VisaRecord, number) is not None
