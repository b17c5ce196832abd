"""Guarantees and their claims: the owner sees its own, the fund's agents their fund's."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.guarantees import Claim, GuaranteeRecord
from abri_guarantees.db.repositories.scoping import ByRole, Whose
from abri_kit.pagination import PageRequest

OWNER_OR_FUND: dict[str, tuple[str, Whose]] = {"owner": ("owner_id", "subject"), "fund_agent": ("fund_id", "org")}


class Guarantees(ByRole[GuaranteeRecord]):
    model = GuaranteeRecord
    kind = "guarantee"
    seen_by_role: ClassVar[dict[str, tuple[str, Whose]]] = OWNER_OR_FUND

    async def page_newest_first(self, request: PageRequest) -> tuple[list[GuaranteeRecord], str | None]:
        """One page of the caller's guarantees, the latest activated first."""
        return await self.page(request, (GuaranteeRecord.activated_at, GuaranteeRecord.file_id), descending=True)

    async def file_of(self, record: GuaranteeRecord) -> GuaranteeFile:
        """The approved file a guarantee the caller holds stands on (its policy, its placement)."""
        file = await self.session.get(GuaranteeFile, record.file_id)
        assert file is not None  # a guarantee belongs to its file (foreign key)
        return file

    async def ended_on(self, file_id: uuid.UUID) -> date | None:
        """When the guarantee of a file ended (None: none, or it still runs)."""
        found: date | None = await self.session.scalar(
            self.where_visible(sa.select(GuaranteeRecord.ended_on)).where(GuaranteeRecord.file_id == file_id)
        )
        return found

    def running(self) -> sa.Select[tuple[uuid.UUID]]:
        """The files whose guarantee still runs (a subquery)."""
        return self.where_visible(sa.select(GuaranteeRecord.file_id)).where(GuaranteeRecord.ended_on.is_(None))


class Claims(ByRole[Claim]):
    model = Claim
    kind = "claim"
    seen_by_role: ClassVar[dict[str, tuple[str, Whose]]] = OWNER_OR_FUND

    async def open_on(self, file_id: uuid.UUID, statuses: tuple[str, ...]) -> list[Claim]:
        """The claims on a guarantee in ``statuses`` (those that count against its caps)."""
        statement = self.select().where(Claim.file_id == file_id, Claim.status.in_(statuses))
        return list((await self.session.execute(statement)).scalars())

    async def page_newest_first(self, request: PageRequest, statuses: tuple[str, ...] = ()) -> tuple[list[Claim], str | None]:
        """One page of the caller's claims (only ``statuses`` if given), the latest filed first."""
        where = [Claim.status.in_(statuses)] if statuses else []
        return await self.page(request, (Claim.filed_at, Claim.id), where=where, descending=True)

    async def counts(self) -> dict[str, int]:
        """How many of the caller's claims are in each status (counted by the database: true totals)."""
        return await self.count_by(Claim.status)

    async def last_moment_on(self, file_id: uuid.UUID) -> datetime | None:
        """The latest step of any claim on a file (filed, validated or paid)."""
        latest = sa.func.max(sa.func.greatest(Claim.filed_at, Claim.validated_at, Claim.paid_at))
        found: datetime | None = await self.session.scalar(self.where_visible(sa.select(latest)).where(Claim.file_id == file_id))
        return found
