"""Households with their own account, as matching tells of them: consent to be told, and erasure.

A household whose ``notifications`` purpose is not in force is told nothing (no inbox message, no
e-mail, no SMS: ``telling.py`` asks :func:`muted`), and a withdrawal cancels at once what was queued for
it. An erasure (``household.erased``) shreds the account's data key (the erasure ledger first:
``directory.erase_people``), deletes its directory entry (with its sealed addresses), its inbox, and empties
its deliveries (their rendered texts), forgets which placements were its (no news is passed on for it any
more), then publishes the receipt
(``abri.notifications.erasure.completed.v1``): nothing is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from abri_contracts.erasure import NotificationsErasureCompleted
from abri_kit.keystore import Requester
from abri_kit.usecase import Context
from abri_notifications.db.repositories.households import NOTIFICATIONS, HouseholdContacts, RecipientData
from abri_notifications.db.repositories.read_models import PlacementOrgs
from abri_notifications.directory import erase_people

CONSENT_WITHDRAWN = "consent_withdrawn"
ERASED = "household_erased"


async def muted(ctx: Context, subjects: Collection[str]) -> set[str]:
    """Those of ``subjects`` that must not be told: a household's account without its consent to be told."""
    return await HouseholdContacts.for_system(ctx.uow).muted(subjects)


async def consents_changed(
    ctx: Context,
    household_id: uuid.UUID,
    account_subject: str | None,
    purposes: list[str],
    changed_at: datetime,
    previous_account_subject: str | None = None,
    org_id: str | None = None,
) -> None:
    """Keep what matching last said; without ``notifications`` in force, what was queued for the household is cancelled."""
    values = {"household_id": household_id, "account_subject": account_subject, "purposes": sorted(set(purposes)), "changed_at": changed_at}
    values["org_id"] = org_id
    if not await HouseholdContacts.for_system(ctx.uow).upsert(values):
        return
    if account_subject is not None and NOTIFICATIONS not in purposes:
        await RecipientData.for_system(ctx.uow).cancel_pending(account_subject, CONSENT_WITHDRAWN)


async def erase(
    ctx: Context,
    request_id: uuid.UUID,
    household_id: uuid.UUID,
    account_subject: str | None,
    processed_at: datetime,
    requested_by: Requester = "household",
) -> None:
    """Erase what is held about the household's account (its key shredded first), then publish the receipt."""
    if account_subject is not None:
        await erase_people([account_subject], at=ctx.now, request_id=request_id, requested_by=requested_by)
        await RecipientData.for_system(ctx.uow).erase(account_subject, ERASED)
    await HouseholdContacts.for_system(ctx.uow).erased(household_id, ctx.now)
    await PlacementOrgs.for_system(ctx.uow).forget_household(household_id)
    receipt = NotificationsErasureCompleted(
        request_id=request_id, household_id=household_id, erased_in="notifications", completed_at=processed_at, kept=[]
    )
    await ctx.uow.publish(receipt, at=processed_at)
