"""Guarantee files and what belongs to each: its steps, the log of reads of its personal data (its data
key is in the key store: ``usecases/privacy.py``). The fund's agents see the files addressed to their
fund, the association's social workers its own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import sqlalchemy as sa

from abri_auth.principal import Principal
from abri_guarantees.db.access_log import FileAccessLogEntry
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.repositories.scoping import ByRole, Whose
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.settings import ACCESS_LOG_KEY_VARIABLE
from abri_kit import access_log
from abri_kit.access_log import MacKeys
from abri_kit.pagination import PageRequest, keyset_page
from abri_kit.repository import ScopedRepository

ACCESS_LOG_LOCK = 0x61627269_67666C  # "abrigfl": serialises appends to the chain
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
"""Where a file without a review deadline (out of the queue) sorts: after every file in it."""
QUEUE_ORDER = (
    sa.func.coalesce(GuaranteeFile.review_deadline, sa.literal(NO_DEADLINE, sa.DateTime(timezone=True))).label("queue_deadline"),
    GuaranteeFile.created_at.label("queue_created_at"),
    GuaranteeFile.id.label("queue_file_id"),
)
"""The queue's order: the nearest review deadline first (files out of the queue last), then the oldest."""


class Files(ByRole[GuaranteeFile]):
    model = GuaranteeFile
    kind = "guarantee file"
    seen_by_role: ClassVar[dict[str, tuple[str, Whose]]] = {"fund_agent": ("fund_id", "org"), "social_worker": ("org_id", "org")}

    async def open_for_placement(self, placement_id: uuid.UUID, statuses: Sequence[str]) -> uuid.UUID | None:
        """The file of ``placement_id`` in one of ``statuses`` (there is at most one open), if any."""
        statement = self.where_visible(sa.select(GuaranteeFile.id)).where(
            GuaranteeFile.placement_id == placement_id, GuaranteeFile.status.in_(statuses)
        )
        found: uuid.UUID | None = await self.session.scalar(statement)
        return found

    async def page_in_queue_order(
        self,
        request: PageRequest,
        *,
        statuses: Sequence[str] = (),
        overdue_at: datetime | None = None,
        queue: Sequence[str] = (),
        placement_id: uuid.UUID | None = None,
    ) -> tuple[list[GuaranteeFile], str | None]:
        """One page of the caller's files in the queue's order: only ``statuses`` if given; with
        ``overdue_at``, only files in the ``queue`` statuses whose deadline is before it; with
        ``placement_id``, only that placement's."""
        statement = self.where_visible(cast(sa.Select[Any], sa.select(GuaranteeFile, *QUEUE_ORDER)))
        if placement_id is not None:
            statement = statement.where(GuaranteeFile.placement_id == placement_id)
        if statuses:
            statement = statement.where(GuaranteeFile.status.in_(statuses))
        if overdue_at is not None:
            statement = statement.where(GuaranteeFile.status.in_(queue), GuaranteeFile.review_deadline < overdue_at)
        rows, next_cursor = await keyset_page(self.session, statement, QUEUE_ORDER, request)
        return [row[0] for row in rows], next_cursor

    async def counts(self, *, overdue_at: datetime, queue: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many of the caller's files there are in each status, and how many in the ``queue`` statuses
        are past their deadline at ``overdue_at`` (counted by the database: true however long the lists)."""
        counted = await self.count_by(GuaranteeFile.status)
        late = self.where_visible(cast(sa.Select[Any], sa.select(sa.func.count()).select_from(GuaranteeFile))).where(
            GuaranteeFile.status.in_(queue), GuaranteeFile.review_deadline < overdue_at
        )
        return counted, int(await self.session.scalar(late) or 0)

    async def in_placement(self, placement_id: uuid.UUID, statuses: Sequence[str]) -> list[GuaranteeFile]:
        """The files of ``placement_id`` in ``statuses``, locked."""
        statement = self.select(writing=True).where(GuaranteeFile.placement_id == placement_id, GuaranteeFile.status.in_(statuses))
        return list((await self.session.execute(statement.with_for_update())).scalars())

    async def approved_with_visa(self, placement_id: uuid.UUID, approved: str) -> tuple[GuaranteeFile, VisaRecord] | None:
        """The approved file of ``placement_id`` and its visa, both locked (a revocation running now is seen, or waits)."""
        statement = (
            self.where_visible(cast(sa.Select[Any], sa.select(GuaranteeFile, VisaRecord)), writing=True)
            .join(VisaRecord, VisaRecord.file_id == GuaranteeFile.id)
            .where(GuaranteeFile.placement_id == placement_id, GuaranteeFile.status == approved)
            .with_for_update()
        )
        found = (await self.session.execute(statement)).one_or_none()
        return None if found is None else (found[0], found[1])

    # --- what belongs to a file the caller already holds ---------------------------------------------
    async def steps_of(self, file: GuaranteeFile) -> list[FileStep]:
        """The file's timeline, in the order it was recorded."""
        statement = sa.select(FileStep).where(FileStep.file_id == file.id).order_by(FileStep.at, FileStep.seq)
        return list((await self.session.execute(statement)).scalars())

    def add_step(self, step: FileStep) -> FileStep:
        self.session.add(step)
        return step

    async def log_read(self, file_id: uuid.UUID, reader: Principal, purpose: FileReadPurpose, at: datetime) -> None:
        """Record that ``reader`` (subject, role, organisation) opened the file's personal data ``at`` that
        instant, and why (a keyed chain, ``abri_kit.access_log``, in this transaction)."""
        await access_log.append(
            self.session,
            FileAccessLogEntry,
            subject="file_id",
            subject_id=file_id,
            actor=reader.subject,
            actor_role=access_log.role_of(reader.roles),
            actor_org=reader.org_id,
            purpose=FileReadPurpose(purpose).value,
            lock_id=ACCESS_LOG_LOCK,
            keys=access_log_keys(),
            at=at,
        )


def access_log_keys() -> MacKeys:
    """The access log's MAC keys, from the service's secrets (``ABRI_GUARANTEES_ACCESS_LOG_KEY``)."""
    return MacKeys.from_environment(ACCESS_LOG_KEY_VARIABLE)


class ThroughFile(ScopedRepository[Any]):
    """Rows of a file (``model.file_id``), seen by whoever sees the file."""

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        if self.principal is None:
            return sa.true()
        files = sa.select(GuaranteeFile.id).where(Files(self.session, self.principal).visible_to(self.principal))
        column: Any = self.model.file_id
        return column.in_(files)  # type: ignore[no-any-return]
