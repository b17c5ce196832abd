"""A household's export from notifications (GDPR art. 15 and 20): how it chose to be told, its addresses
(opened for it), its inbox and the e-mails and SMS sent to it: everything held under its own account.

The household signed in exports its own, its association's social workers export it on its behalf;
anyone else gets 404, as does a household this service has not heard of yet (matching's
``household.consents_changed`` is on its way). A household without an account of its own has nothing
here: its export says so. An export by anyone other than the household itself (its association) is
written to notifications' access log (purpose ``export``) in the same transaction, naming the reader's
role and organisation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from abri_kit.envelope import KeyEncryption
from abri_kit.usecase import Context
from abri_notifications.db.deliveries import Delivery, InboxMessage
from abri_notifications.db.directory import Person
from abri_notifications.db.repositories.access_log import PersonAccessLog
from abri_notifications.db.repositories.export import ExportedHouseholds, ExportedRecipient
from abri_notifications.directory import Contact, read_contact
from abri_notifications.domain.access import PersonalDataPurpose

SCHEMA_VERSION = 1
"""The version of the export document's shape: a change that removes or renames a key takes a new one."""
NO_CONTACT = Contact(None, None)


@dataclass(frozen=True)
class HouseholdExport:
    generated_at: datetime
    household_id: uuid.UUID
    account_subject: str | None
    person: Person | None = None
    contact: Contact = NO_CONTACT
    inbox: list[InboxMessage] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


async def export_household(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID) -> HouseholdExport:
    """Everything held under the account of one of the caller's households (a household person: its own)."""
    household = await ExportedHouseholds.of(ctx).get(household_id)
    subject = household.account_subject
    if subject is None:
        return HouseholdExport(ctx.now, household_id, None)
    if ctx.principal is not None and ctx.principal.subject != subject:
        await PersonAccessLog.for_system(ctx.uow).append(subject, reader=ctx.principal, purpose=PersonalDataPurpose.EXPORT, at=ctx.now)
    held = ExportedRecipient.for_system(ctx.uow)
    person = await held.find(subject)
    return HouseholdExport(
        generated_at=ctx.now,
        household_id=household_id,
        account_subject=subject,
        person=person,
        contact=await read_contact(keyring, person) if person is not None else NO_CONTACT,
        inbox=await held.inbox(subject),
        deliveries=await held.deliveries(subject),
    )
