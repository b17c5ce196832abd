"""Households that have their own account (matching's events): whether they may be told, and the
erasure of what this service holds about one (its directory entry, its inbox, its deliveries' content).
The service's own: only its handlers and its dispatcher reach them (``for_system``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.repository import ScopedRepository
from abri_notifications.db.deliveries import Delivery, InboxMessage
from abri_notifications.db.directory import Person
from abri_notifications.db.read_models import HouseholdContact

NOTIFICATIONS = "notifications"
CANCELLED = "cancelled"


class HouseholdContacts(ScopedRepository[HouseholdContact]):
    model = HouseholdContact
    kind = "household"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()  # the service's alone

    async def upsert(self, values: dict[str, Any]) -> bool:
        """What matching last said of the household; False when an older or erased one changed nothing."""
        statement = insert(HouseholdContact).values(**values)
        result = await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[HouseholdContact.household_id],
                set_={name: statement.excluded[name] for name in values if name != "household_id"},
                where=sa.and_(HouseholdContact.changed_at < statement.excluded.changed_at, HouseholdContact.erased_at.is_(None)),
            ).returning(HouseholdContact.household_id)
        )
        return result.first() is not None

    async def muted(self, subjects: Collection[str]) -> set[str]:
        """Those of ``subjects`` that are a household's account without ``notifications`` in force."""
        if not subjects:
            return set()
        statement = sa.select(HouseholdContact.account_subject).where(
            HouseholdContact.account_subject.in_(list(subjects)), sa.not_(sa.literal(NOTIFICATIONS) == sa.any_(HouseholdContact.purposes))
        )
        return {subject for subject in await self.session.scalars(statement) if subject is not None}

    async def contact_of(self, household_id: uuid.UUID) -> HouseholdContact | None:
        """What matching last said of the household (``None``: nothing yet)."""
        return await self.find(household_id)

    async def erased(self, household_id: uuid.UUID, at: datetime) -> None:
        statement = insert(HouseholdContact).values(household_id=household_id, purposes=[], changed_at=at, erased_at=at)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[HouseholdContact.household_id], set_={"account_subject": None, "purposes": [], "erased_at": at}
            )
        )


class RecipientData(ScopedRepository[Person]):
    """What is held about one recipient (a subject): its directory entry, its inbox, its deliveries."""

    model = Person
    kind = "person"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()

    async def cancel_pending(self, subject: str, reason: str) -> int:
        """Its deliveries still to send are cancelled, their content emptied (nothing left to send)."""
        result = await self.session.execute(
            sa.update(Delivery)
            .where(Delivery.recipient == subject, Delivery.status == "pending")
            .values(status=CANCELLED, last_error=reason, subject="", text="", html="", payload={})
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def erase(self, subject: str, reason: str) -> None:
        """Its directory entry (sealed addresses) and inbox deleted; its deliveries emptied, pending ones cancelled."""
        await self.cancel_pending(subject, reason)
        await self.session.execute(
            sa.update(Delivery).where(Delivery.recipient == subject).values(subject="", text="", html="", payload={})
        )
        await self.session.execute(sa.delete(InboxMessage).where(InboxMessage.recipient == subject))
        await self.session.execute(sa.delete(Person).where(Person.subject == subject))
