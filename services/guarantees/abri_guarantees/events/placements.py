"""Matching's placement events → the placements waiting for a guarantee (``db/read_models.py``).

A placement enters when matching asks for a guarantee; its signed lease activates the approved file's
guarantee (or is refused, with the reason, by event); a file still under review when its placement
falls through is closed (withdrawn, by the placement's end). Each
event applies once (the inbox); a replay under another id changes nothing either.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_bus.outbox import publish
from abri_contracts.guarantees import GuaranteeActivated, GuaranteeActivationRefused
from abri_contracts.matching import GuaranteeRequested, LeaseSigned, PlacementFellThrough
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.guarantees import GuaranteeRecord
from abri_guarantees.db.read_models import PlacementView, UnitFacts
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.guarantee import activation_refusal, effective_signing_day
from abri_guarantees.domain.visa import Visa
from abri_guarantees.domain.workflow import FileStatus
from abri_guarantees.revocation import revoke_visa
from abri_kit.clock import day_in_france

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
    """The lease activates the approved file's guarantee if it fits the visa; otherwise the refusal, with
    its reason, is published (``domain/guarantee.py``). A revocation stands from its day until the lease
    is reported; validity and the deadline are judged on the signing day typed in matching, taken no
    earlier than the reporting grace allows (no backdating past a deadline or a revocation)."""
    data = event.data
    placement = await session.get(PlacementView, data.placement_id, with_for_update=True)
    if placement is None or placement.status != "awaiting_guarantee":  # no guarantee asked, or this lease was seen
        return
    reported_on = day_in_france(data.signed_at)
    signed_on = effective_signing_day(data.signed_on or reported_on, reported_on)
    found = (
        await session.execute(
            sa.select(GuaranteeFile, VisaRecord)
            .join(VisaRecord, VisaRecord.file_id == GuaranteeFile.id)
            .where(GuaranteeFile.placement_id == placement.placement_id, GuaranteeFile.status == FileStatus.APPROVED.value)
            .with_for_update()  # a revocation running now is seen, or waits
        )
    ).one_or_none()
    unit = await session.get(UnitFacts, placement.unit_id)
    if found is not None and unit is None:  # listings' facts not here yet: fail, so that the event is retried
        raise LookupError(f"unit {placement.unit_id} of placement {placement.placement_id} is not known yet")
    placement.status, placement.lease_signed_on, placement.changed_at = "lease_signed", signed_on, data.signed_at
    if found is None:
        log.info("lease of placement %s signed without an approved file here", placement.placement_id)
        return
    file, visa = found
    assert unit is not None
    rent = data.rent_cents if data.rent_cents is not None else file.unit["rent_cents"]
    charges = data.charges_cents if data.charges_cents is not None else file.unit["charges_cents"]
    names = {
        "file_id": file.id,
        "placement_id": file.placement_id,
        "fund_id": file.fund_id,
        "org_id": file.org_id,
        "owner_id": unit.owner_id,
    }
    now = data.signed_at  # what follows from the lease dates from its report, even when the event is replayed later
    refusal = activation_refusal(visa_of(visa), signed_on, rent + charges, on=signed_on, reported_on=reported_on)
    if refusal is not None:
        log.info("guarantee of file %s not activated: %s", file.id, refusal.value)
        await publish(session, GuaranteeActivationRefused(**names, refused_at=now, reason=refusal.value))
        return
    session.add(
        GuaranteeRecord(
            file_id=file.id,
            fund_id=file.fund_id,
            owner_id=unit.owner_id,
            visa_number=visa.number,
            lease_signed_on=signed_on,
            lease_starts_on=max(data.lease_starts_on, signed_on),
            rent_and_charges_cents=rent + charges,
            activated_at=now,
        )
    )
    await publish(session, GuaranteeActivated(**names, activated_at=now, lease_signed_on=signed_on, rent_and_charges_cents=rent + charges))


def visa_of(record: VisaRecord) -> Visa:
    return Visa(
        number=record.number,
        max_rent_cents=record.max_rent_cents,
        issued_on=record.issued_on,
        valid_until=record.valid_until,
        lease_signing_deadline=record.lease_signing_deadline,
        revoked_on=record.revoked_on,
    )


async def on_fell_through(session: AsyncSession, event: ReceivedEvent[PlacementFellThrough]) -> None:
    """The placement ended before a lease: its files under review close, an approved file's visa is revoked
    (it no longer guarantees anything; its public check answers revoked)."""
    placement = await session.get(PlacementView, event.data.placement_id, with_for_update=True)
    if placement is None or placement.status == "fell_through":
        return
    placement.status, placement.changed_at = "fell_through", event.data.ended_at
    closing = {FileStatus.UNDER_REVIEW, FileStatus.INFORMATION_REQUESTED, FileStatus.RESUBMITTED, FileStatus.APPROVED}
    files = await session.execute(
        sa.select(GuaranteeFile)
        .where(GuaranteeFile.placement_id == placement.placement_id, GuaranteeFile.status.in_([s.value for s in closing]))
        .with_for_update()
    )
    for file in files.scalars():
        if file.status == FileStatus.APPROVED.value:
            visa = await session.scalar(sa.select(VisaRecord).where(VisaRecord.file_id == file.id).with_for_update())
            if visa is not None and visa.revoked_on is None:
                await revoke_visa(session, file, visa, actor="matching", role="system", at=event.data.ended_at, reason="placement_ended")
            continue
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
