"""The access log: a file's reads, for whoever sees the file; and the log's upkeep: prune the entries past
their retention at the start of the chain (anchored first), anchor the chain's head, and publish both
outside the database (``abri.guarantees.audit``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from abri_contracts.audit import GuaranteesAccessLogAnchored
from abri_guarantees.db.access_log import ACCESS_LOG_TABLE, FileAccessLogEntry
from abri_guarantees.db.repositories.access_log import FileAccessLog, FileAccessLogAnchors, HouseholdAccessLog
from abri_guarantees.usecases.file_steps import visible_file
from abri_kit.access_log import anchored_fields
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context

CHAIN = f"guarantees.{ACCESS_LOG_TABLE}"


async def keep_up(ctx: Context, retention_days: int) -> int:
    """Prune what is older than ``retention_days``, anchor the head, publish both; how many anchors were published."""
    found = await FileAccessLogAnchors.for_system(ctx.uow).keep_up(before=ctx.now - timedelta(days=retention_days), now=ctx.now)
    for anchor in found:
        await ctx.uow.publish(GuaranteesAccessLogAnchored(**anchored_fields(anchor, chain=CHAIN, now=ctx.now)), at=ctx.now)
    return len(found)


async def file_access_log(ctx: Context, file_id: uuid.UUID, page: PageRequest) -> tuple[list[FileAccessLogEntry], str | None]:
    """One page of who read one of the caller's files' personal data (subject, role, organisation), when and why."""
    file = await visible_file(ctx, file_id)
    return await FileAccessLog.of(ctx).page_of(file.id, page)


async def household_access_log(ctx: Context, household_id: uuid.UUID, page: PageRequest) -> tuple[list[FileAccessLogEntry], str | None]:
    """One page of who read the personal data of any file about the household (its own, for the household
    signed in; one of its households, for its association's social worker), when and why; anyone else 404."""
    log = HouseholdAccessLog.of(ctx)
    household = await log.household(household_id)
    return await log.page_of(household.household_id, page)
