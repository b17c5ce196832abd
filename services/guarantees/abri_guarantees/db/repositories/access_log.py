"""The log of reads of guarantee files' personal data (``abri_kit.access_log``) and its anchors.

Entries are seen through their file (whoever sees the file sees who read it: its fund's agents, its
association's social workers), or through the household the files are about (the household itself,
signed in with its own account, and its association: :class:`HouseholdAccessLog`). Appending is
``Files.log_read``; anchoring and pruning are the service's own (``for_system``).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from abri_guarantees.db.access_log import FileAccessLogAnchor, FileAccessLogEntry
from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.read_models import HouseholdView, PlacementView
from abri_guarantees.db.repositories.files import ACCESS_LOG_LOCK, ThroughFile
from abri_kit.access_log import ChainAnchors
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository


class FileAccessLog(ThroughFile):
    """The reads of the caller's files' personal data."""

    model = FileAccessLogEntry
    kind = "access log entry"

    async def page_of(self, file_id: uuid.UUID, request: PageRequest) -> tuple[list[FileAccessLogEntry], str | None]:
        """A file's entries, oldest first (by time, then by MAC: the chain's service-wide ``seq`` and ``position``
        are shown to no one)."""
        rows, next_cursor = await self.page(
            request, (FileAccessLogEntry.at, FileAccessLogEntry.mac), where=[FileAccessLogEntry.file_id == file_id]
        )
        return list(rows), next_cursor


class HouseholdsReadingTheirLog(ScopedRepository[HouseholdView]):
    """The households whose files' log the caller reads: the household itself (its account subject, as
    matching last said: none once erased) and its association's social workers (its ``org_id``)."""

    model = HouseholdView
    owner_column = "account_subject"
    org_column = "org_id"
    org_roles = frozenset({"social_worker"})
    kind = "household"


def files_of(households: sa.Select[Any]) -> sa.Select[Any]:
    """The ids of the files about the households ``households`` selects (their ids): filed for one of them
    (``household_id``), or for one of their placements (files filed before files carried the household)."""
    placements = sa.select(PlacementView.placement_id).where(PlacementView.household_id.in_(households))
    return sa.select(GuaranteeFile.id).where(sa.or_(GuaranteeFile.household_id.in_(households), GuaranteeFile.placement_id.in_(placements)))


class HouseholdAccessLog(ScopedRepository[FileAccessLogEntry]):
    """The reads of the files about the caller's households (its own, for a household; its association's,
    for a social worker): anyone else sees none."""

    model = FileAccessLogEntry
    kind = "access log entry"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        if self.principal is None:
            return sa.true()
        seen = HouseholdsReadingTheirLog(self.session, self.principal).where_visible(sa.select(HouseholdView.household_id))
        return FileAccessLogEntry.file_id.in_(files_of(seen))

    async def household(self, household_id: uuid.UUID) -> HouseholdView:
        """The household, if the caller may read its log (else :class:`NotFound`: 404)."""
        return await HouseholdsReadingTheirLog(self.session, self.principal).get(household_id)

    async def page_of(self, household_id: uuid.UUID, request: PageRequest) -> tuple[list[FileAccessLogEntry], str | None]:
        """The entries of every file about the household, oldest first (by time, then by MAC)."""
        one = sa.select(sa.literal(household_id, sa.Uuid))
        rows, next_cursor = await self.page(
            request, (FileAccessLogEntry.at, FileAccessLogEntry.mac), where=[FileAccessLogEntry.file_id.in_(files_of(one))]
        )
        return list(rows), next_cursor


class FileAccessLogAnchors(ChainAnchors):
    """The chain's anchors: its heads, and its start after a retention prune (the service's own)."""

    model = FileAccessLogAnchor
    entries = FileAccessLogEntry
    lock_id = ACCESS_LOG_LOCK
