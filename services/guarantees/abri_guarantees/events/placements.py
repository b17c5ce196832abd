"""Matching's placement events → the placements waiting for a guarantee (``db/read_models.py``).

A placement enters when matching asks for a guarantee; its lease or its end is recorded; a file still
under review when its placement falls through is closed (withdrawn, by the placement's end). Each
event applies once (the inbox); a replay under another id changes nothing either.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.matching import GuaranteeRequested, LeaseSigned, PlacementFellThrough
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.read_models import PlacementView
from abri_guarantees.domain.workflow import FINAL, FileStatus

log = logging.getLogger(__name__)


async def on_guarantee_requested(session: AsyncSession, event: ReceivedEvent[GuaranteeRequested]) -> None:
    data = event.data
    statement = insert(PlacementView).values(
        placement_id=data.placement_id,
        org_id=data.org_id,
        unit_id=data.unit_id,
        status="awaiting_guarantee",
        requested_at=data.requested_at,
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=[PlacementView.placement_id]))


async def on_lease_signed(session: AsyncSession, event: ReceivedEvent[LeaseSigned]) -> None:
    placement = await session.get(PlacementView, event.data.placement_id, with_for_update=True)
    if placement is None:  # a placement without a guarantee: nothing to do here
        return
    placement.status = "lease_signed"
    placement.lease_signed_on = event.data.signed_on or event.data.signed_at.date()
    placement.changed_at = datetime.now(UTC)


async def on_fell_through(session: AsyncSession, event: ReceivedEvent[PlacementFellThrough]) -> None:
    placement = await session.get(PlacementView, event.data.placement_id, with_for_update=True)
    if placement is None:
        return
    placement.status, placement.changed_at = "fell_through", datetime.now(UTC)
    closing = {FileStatus.UNDER_REVIEW, FileStatus.INFORMATION_REQUESTED, FileStatus.RESUBMITTED}
    files = await session.execute(
        sa.select(GuaranteeFile)
        .where(GuaranteeFile.placement_id == placement.placement_id, GuaranteeFile.status.in_([s.value for s in closing]))
        .with_for_update()
    )
    for file in files.scalars():
        assert FileStatus(file.status) not in FINAL
        session.add(
            FileStep(
                file_id=file.id,
                action="close",
                from_status=file.status,
                to_status=FileStatus.WITHDRAWN.value,
                actor="matching",
                role="system",
                at=event.data.ended_at,
                reasons=[f"placement_{event.data.reason}"],
            )
        )
        file.status, file.review_deadline, file.entered_queue_at = FileStatus.WITHDRAWN.value, None, None
        log.info("file %s closed: its placement fell through (%s)", file.id, event.data.reason)
