"""The access log: who other than a person read their personal data here (a household's export by its
association), for the person and for its association; and the log's upkeep: prune the entries past their
retention at the start of the chain (anchored first), anchor the chain's head, and publish both outside
the database (``abri.notifications.audit``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from abri_contracts.audit import NotificationsAccessLogAnchored
from abri_kit.access_log import anchored_fields
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_notifications.db.access_log import ACCESS_LOG_TABLE, PersonAccessLogEntry
from abri_notifications.db.repositories.access_log import PersonAccessLog, PersonAccessLogAnchors
from abri_notifications.db.repositories.export import ExportedHouseholds

CHAIN = f"notifications.{ACCESS_LOG_TABLE}"


async def keep_up(ctx: Context, retention_days: int) -> int:
    """Prune what is older than ``retention_days``, anchor the head, publish both; how many anchors were published."""
    found = await PersonAccessLogAnchors.for_system(ctx.uow).keep_up(before=ctx.now - timedelta(days=retention_days), now=ctx.now)
    for anchor in found:
        await ctx.uow.publish(NotificationsAccessLogAnchored(**anchored_fields(anchor, chain=CHAIN, now=ctx.now)), at=ctx.now)
    return len(found)


async def my_access_log(ctx: Context, page: PageRequest) -> tuple[list[PersonAccessLogEntry], str | None]:
    """One page of who other than the caller read the caller's data here, when and why."""
    if ctx.principal is None:
        raise TypeError("only a caller has an access log of its own")
    return await PersonAccessLog.of(ctx).page_of(ctx.principal.subject, page)


async def household_access_log(ctx: Context, household_id: uuid.UUID, page: PageRequest) -> tuple[list[PersonAccessLogEntry], str | None]:
    """One page of who read the data held under the household's account, for the household itself or its
    association (as its export: anyone else 404); nothing for a household without an account of its own."""
    household = await ExportedHouseholds.of(ctx).get(household_id)
    if household.account_subject is None:
        return [], None
    return await PersonAccessLog.for_system(ctx.uow).page_of(household.account_subject, page)
