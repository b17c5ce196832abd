"""What guarantees holds about one household, for its export (GDPR art. 15 and 20). The household is
known by matching's events (``households``: its association, its own account); its files are those
filed for it (``household_id``) or for one of its placements (``placement_view.household_id``, for files
filed before files carried it). Whole lists, not pages: an export is complete or is nothing.

The household signed in sees its own row (``account_subject`` = its subject), its association's social
workers the rows of their organisation (``org_id``); anyone else nothing (404). The files and what
belongs to them are then read for the service (``for_system``), through the household the caller sees."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from abri_guarantees.db.access_log import FileAccessLogEntry
from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.guarantees import Claim, GuaranteeRecord
from abri_guarantees.db.read_models import HouseholdView, PlacementView
from abri_guarantees.db.visas import VisaRecord
from abri_kit.repository import ScopedRepository


class ExportedHouseholds(ScopedRepository[HouseholdView]):
    model = HouseholdView
    owner_column = "account_subject"
    org_column = "org_id"
    org_roles = frozenset({"social_worker"})
    kind = "household"


class ExportedFiles(ScopedRepository[GuaranteeFile]):
    """A household's files and what belongs to each, for its export (the service reads them for the household)."""

    model = GuaranteeFile
    kind = "guarantee file"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()

    async def of_household(self, household_id: uuid.UUID) -> list[GuaranteeFile]:
        """The household's files, the oldest filed first."""
        placements = sa.select(PlacementView.placement_id).where(PlacementView.household_id == household_id)
        statement = (
            self.select()
            .where(sa.or_(GuaranteeFile.household_id == household_id, GuaranteeFile.placement_id.in_(placements)))
            .order_by(GuaranteeFile.created_at, GuaranteeFile.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def _of_files(self, model: Any, file_ids: Sequence[uuid.UUID], *order: Any) -> list[Any]:
        if not file_ids:
            return []
        statement = sa.select(model).where(model.file_id.in_(list(file_ids))).order_by(*order)
        return list((await self.session.scalars(statement)).all())

    async def steps(self, file_ids: Sequence[uuid.UUID]) -> list[FileStep]:
        return await self._of_files(FileStep, file_ids, FileStep.at, FileStep.seq)

    async def visas(self, file_ids: Sequence[uuid.UUID]) -> list[VisaRecord]:
        return await self._of_files(VisaRecord, file_ids, VisaRecord.issued_on, VisaRecord.number)

    async def guarantees(self, file_ids: Sequence[uuid.UUID]) -> list[GuaranteeRecord]:
        return await self._of_files(GuaranteeRecord, file_ids, GuaranteeRecord.activated_at)

    async def claims(self, file_ids: Sequence[uuid.UUID]) -> list[Claim]:
        return await self._of_files(Claim, file_ids, Claim.filed_at, Claim.id)

    async def documents(self, file_ids: Sequence[uuid.UUID]) -> list[Document]:
        return await self._of_files(Document, file_ids, Document.uploaded_at, Document.id)

    async def access_log(self, file_ids: Sequence[uuid.UUID]) -> list[FileAccessLogEntry]:
        return await self._of_files(FileAccessLogEntry, file_ids, FileAccessLogEntry.at, FileAccessLogEntry.mac)
