"""Households' purposes in force (matching's events) and the erasures carried out here: the service's
own read models, reached by its handlers and by the use cases that gate a file (``for_system``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.guarantees import Claim, GuaranteeRecord
from abri_guarantees.db.read_models import HouseholdErasureDone, HouseholdView
from abri_kit.repository import ScopedRepository


class Households(ScopedRepository[HouseholdView]):
    model = HouseholdView
    kind = "household"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()  # the service's alone

    async def upsert(self, values: dict[str, Any]) -> None:
        """What matching last said of the household (an older ``changed_at`` changes nothing; an erased one stays erased)."""
        statement = insert(HouseholdView).values(**values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[HouseholdView.household_id],
                set_={name: statement.excluded[name] for name in values if name != "household_id"},
                where=sa.and_(HouseholdView.changed_at < statement.excluded.changed_at, HouseholdView.erased_at.is_(None)),
            )
        )

    async def erased(self, household_id: uuid.UUID, org_id: str, at: datetime) -> None:
        """The household was erased: no purpose in force any more, no account subject."""
        statement = insert(HouseholdView).values(household_id=household_id, org_id=org_id, purposes=[], changed_at=at, erased_at=at)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[HouseholdView.household_id], set_={"purposes": [], "account_subject": None, "erased_at": at}
            )
        )


class HouseholdErasures(ScopedRepository[HouseholdErasureDone]):
    model = HouseholdErasureDone
    kind = "erasure"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()

    async def files_of(self, household_id: uuid.UUID, placement_ids: Sequence[uuid.UUID]) -> list[GuaranteeFile]:
        """Every file of the household (by its id, or by one of its placements), locked."""
        statement = (
            sa.select(GuaranteeFile)
            .where(sa.or_(GuaranteeFile.household_id == household_id, GuaranteeFile.placement_id.in_(list(placement_ids))))
            .order_by(GuaranteeFile.created_at)
            .with_for_update()
        )
        return list(await self.session.scalars(statement))

    async def paid_claims(self, file_ids: Sequence[uuid.UUID]) -> list[Claim]:
        """The claims on these files' guarantees that a fund paid (accounting records)."""
        statement = sa.select(Claim).where(Claim.file_id.in_(list(file_ids)), Claim.paid_at.is_not(None))
        return list(await self.session.scalars(statement))

    async def guarantees_of(self, file_ids: Sequence[uuid.UUID]) -> list[GuaranteeRecord]:
        statement = sa.select(GuaranteeRecord).where(GuaranteeRecord.file_id.in_(list(file_ids)))
        return list(await self.session.scalars(statement))
