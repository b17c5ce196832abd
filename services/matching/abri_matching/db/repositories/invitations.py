"""Invitations to link a household's account: a social worker sees those of its association's households
(``org_id``); the person accepting one is not yet anybody's household, so acceptance looks the code up for
the service (``for_system``) and the use case checks the rest."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from abri_auth.scoping import NotFound
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_matching.db.households import Household
from abri_matching.db.invitations import HouseholdInvitation

SUBJECT_LOCK = 0x696E7669  # "invi": with the subject's hash, the advisory lock that serialises one person's acceptances


class Invitations(ScopedRepository[HouseholdInvitation]):
    model = HouseholdInvitation
    org_column = "org_id"
    kind = "invitation"

    async def page_of(self, household_id: uuid.UUID, request: PageRequest) -> tuple[list[HouseholdInvitation], str | None]:
        """A household's invitations, the newest first."""
        return await self.page(
            request,
            (HouseholdInvitation.created_at, HouseholdInvitation.id),
            where=[HouseholdInvitation.household_id == household_id],
            descending=True,
        )

    async def of_household(self, household_id: uuid.UUID, invitation_id: uuid.UUID) -> HouseholdInvitation:
        """One invitation of one household, locked (404 if not the caller's)."""
        statement = self.select(writing=True).where(
            HouseholdInvitation.id == invitation_id, HouseholdInvitation.household_id == household_id
        )
        found: HouseholdInvitation | None = await self.session.scalar(statement.with_for_update())
        if found is None:
            raise NotFound(self.kind, invitation_id)
        return found

    async def open_of(self, household_id: uuid.UUID, now: datetime) -> list[HouseholdInvitation]:
        """The household's invitations still pending at ``now``, locked."""
        statement = self.select(writing=True).where(
            HouseholdInvitation.household_id == household_id,
            HouseholdInvitation.accepted_at.is_(None),
            HouseholdInvitation.revoked_at.is_(None),
            HouseholdInvitation.expires_at > now,
        )
        return list(await self.session.scalars(statement.with_for_update()))

    async def by_code_hash(self, code_hash: str, *, lock: bool = False) -> HouseholdInvitation | None:
        """The invitation with this code (whatever its state); ``lock``: locked until the transaction ends
        (take its household's lock first: an invitation made at the same time locks in that order too)."""
        query = self.select(writing=True).where(HouseholdInvitation.code_hash == code_hash)
        if lock:  # read again under the lock: a row loaded earlier in this session is refreshed, not reused
            query = query.with_for_update().execution_options(populate_existing=True)
        found: HouseholdInvitation | None = await self.session.scalar(query)
        return found

    async def delete_of(self, household_id: uuid.UUID) -> None:
        """Every invitation of a household (its erasure: they name the person's account)."""
        await self.session.execute(sa.delete(HouseholdInvitation).where(HouseholdInvitation.household_id == household_id))

    async def lock_subject(self, subject: str) -> None:
        """Hold, until the transaction ends, the right to link ``subject``: two acceptances by one person
        never both pass the check that it has no household yet."""
        await self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(SUBJECT_LOCK, sa.func.hashtext(subject))))

    async def household_of_subject(self, subject: str) -> uuid.UUID | None:
        """The household record already linked to ``subject``, in any association."""
        found: uuid.UUID | None = await self.session.scalar(sa.select(Household.id).where(Household.account_subject == subject).limit(1))
        return found
