"""What notifications holds about one household, for its export (GDPR art. 15 and 20): the household is
known by matching's events (``household_contacts``: its association, its own account); what is held is
keyed by that account's subject (its directory entry, its inbox, the messages sent to it). Whole lists,
not pages: an export is complete or is nothing.

The household signed in sees its own row (``account_subject`` = its subject), its association's social
workers the rows of their organisation (``org_id``); anyone else nothing (404)."""

from __future__ import annotations

import sqlalchemy as sa

from abri_kit.repository import ScopedRepository
from abri_notifications.db.deliveries import Delivery, InboxMessage
from abri_notifications.db.directory import Person
from abri_notifications.db.read_models import HouseholdContact

PERSONAL_CHANNELS = ("email", "sms")
"""The channels whose deliveries are addressed to a person (a webhook's go to an organisation's system)."""


class ExportedHouseholds(ScopedRepository[HouseholdContact]):
    model = HouseholdContact
    owner_column = "account_subject"
    org_column = "org_id"
    org_roles = frozenset({"social_worker"})
    kind = "household"


class ExportedRecipient(ScopedRepository[Person]):
    """What is held about one account (read for the export of a household the caller may see)."""

    model = Person
    kind = "person"

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else sa.false()  # reached through the household, for the service

    async def inbox(self, subject: str) -> list[InboxMessage]:
        """Its inbox, in the order the messages arrived."""
        statement = sa.select(InboxMessage).where(InboxMessage.recipient == subject).order_by(InboxMessage.seq)
        return list((await self.session.scalars(statement)).all())

    async def deliveries(self, subject: str) -> list[Delivery]:
        """The e-mails and SMS addressed to it, oldest first."""
        statement = (
            sa.select(Delivery)
            .where(Delivery.recipient == subject, Delivery.channel.in_(PERSONAL_CHANNELS))
            .order_by(Delivery.created_at, Delivery.id)
        )
        return list((await self.session.scalars(statement)).all())
