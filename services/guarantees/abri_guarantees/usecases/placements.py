"""What the guarantees service does when a placement moves (matching's events).

A placement enters when matching asks for a guarantee; its signed lease activates the approved file's
guarantee (or is refused, with the reason, by event); a file still under review when its placement falls
through is closed (withdrawn, by the placement's end), an approved file's visa revoked. Each runs in the
consumer's transaction with the inbox row, so a redelivered event applies once; a replay under another id
changes nothing either (each checks the placement's state). What happened is dated by the event's own
time (``ctx.now``, or the decision's time in its data); ``processed_at`` (the service's clock) is only
when this service wrote it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import get_args

from abri_contracts.guarantees import GuaranteeActivated, GuaranteeActivationRefused
from abri_guarantees.db.files import FileStep
from abri_guarantees.db.guarantees import GuaranteeRecord
from abri_guarantees.db.repositories.documents import Documents
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.funds import Funds
from abri_guarantees.db.repositories.guarantees import Guarantees
from abri_guarantees.db.repositories.read_models import Placements, Units
from abri_guarantees.db.repositories.visas import Visas
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.documents import checklist
from abri_guarantees.domain.guarantee import ActivationRefusal, activation_refusal, effective_signing_day
from abri_guarantees.domain.policy import VisaTerms
from abri_guarantees.domain.visa import Visa
from abri_guarantees.domain.workflow import FileStatus
from abri_guarantees.usecases.documents import documents_to_follow
from abri_guarantees.usecases.funds import policy_version
from abri_guarantees.usecases.revocation import revoke_visa
from abri_kit.calendar import day_in_france
from abri_kit.usecase import Context

log = logging.getLogger(__name__)
PUBLISHED_REASONS = frozenset(get_args(GuaranteeActivationRefused.model_fields["reason"].annotation))
"""The reasons the ``activation_refused`` contract names."""
CLOSEST_PUBLISHED: dict[ActivationRefusal, ActivationRefusal] = {}
"""A refusal the contract does not name yet, published as the closest one it does until consumers know it
(deploy the contract to them first, then the refusal). Empty today: the contract names every refusal."""
CLOSING = tuple(s.value for s in (FileStatus.UNDER_REVIEW, FileStatus.INFORMATION_REQUESTED, FileStatus.RESUBMITTED, FileStatus.APPROVED))
"""The files a placement's end closes (an approved one keeps its status; its visa is revoked)."""


async def guarantee_requested(
    ctx: Context,
    placement_id: uuid.UUID,
    org_id: str,
    unit_id: uuid.UUID,
    requested_at: datetime,
    processed_at: datetime,
    household_id: uuid.UUID | None = None,
) -> None:
    """A placement waits for a guarantee (once: a placement already known is left as it is); its household
    (a pseudonymous id) links its files to the household's consent and erasure."""
    values = {
        "placement_id": placement_id,
        "org_id": org_id,
        "unit_id": unit_id,
        "status": "awaiting_guarantee",
        "household_id": household_id,
    }
    await Placements.for_system(ctx.uow).record_request({**values, "requested_at": requested_at, "changed_at": processed_at})


async def lease_signed(
    ctx: Context,
    placement_id: uuid.UUID,
    *,
    signed_at: datetime,
    signed_on: date | None,
    lease_starts_on: date,
    rent_cents: int | None,
    charges_cents: int | None,
) -> None:
    """The lease activates the approved file's guarantee if it fits the visa; otherwise the refusal, with
    its reason, is published (``domain/guarantee.py``). A revocation stands from its day until the lease
    is reported; validity and the deadline are judged on the signing day typed in matching, taken no
    earlier than the reporting grace allows (no backdating past a deadline or a revocation). Everything
    that follows from the lease dates from its report (``signed_at``), even when the event is replayed later."""
    placement = await Placements.for_system(ctx.uow).find(placement_id, for_update=True)
    if placement is None or placement.status != "awaiting_guarantee":  # no guarantee asked, or this lease was seen
        return
    reported_on = day_in_france(signed_at)
    found = await Files.for_system(ctx.uow).approved_with_visa(placement.placement_id, FileStatus.APPROVED.value)
    terms, required = VisaTerms(), frozenset[str]()
    if found is not None:  # the reporting grace and the documents of the policy the file was checked against
        checked_against = await policy_version(Funds.for_system(ctx.uow), found[0].fund_id, found[0].policy_version)
        terms, required = checked_against.visa, frozenset(checked_against.required_documents)
    signed_on = effective_signing_day(signed_on or reported_on, reported_on, terms.recording_grace_days)
    unit = await Units.for_system(ctx.uow).find(placement.unit_id)
    if found is not None and unit is None:  # listings' facts not here yet: fail, so that the event is retried
        raise LookupError(f"unit {placement.unit_id} of placement {placement.placement_id} is not known yet")
    placement.status, placement.lease_signed_on, placement.changed_at = "lease_signed", signed_on, signed_at
    if found is None:
        log.info("lease of placement %s signed without an approved file here", placement.placement_id)
        return
    file, visa = found
    assert unit is not None
    rent = rent_cents if rent_cents is not None else file.unit["rent_cents"]
    charges = charges_cents if charges_cents is not None else file.unit["charges_cents"]
    names = {
        "file_id": file.id,
        "placement_id": file.placement_id,
        "fund_id": file.fund_id,
        "org_id": file.org_id,
        "owner_id": unit.owner_id,
    }
    refusal = activation_refusal(visa_of(visa), signed_on, rent + charges, on=signed_on, reported_on=reported_on)
    if refusal is None and documents_to_follow(file) and checklist(await Documents.for_system(ctx.uow).held_in(file.id), required).missing:
        refusal = ActivationRefusal.DOCUMENTS_MISSING
    if refusal is not None:
        log.info("guarantee of file %s not activated: %s", file.id, refusal.value)
        refused = GuaranteeActivationRefused(**names, refused_at=signed_at, reason=published_reason(refusal))
        await ctx.uow.publish(refused, at=signed_at)
        return
    Guarantees.for_system(ctx.uow).add(
        GuaranteeRecord(
            file_id=file.id,
            fund_id=file.fund_id,
            owner_id=unit.owner_id,
            visa_number=visa.number,
            lease_signed_on=signed_on,
            lease_starts_on=max(lease_starts_on, signed_on),
            rent_and_charges_cents=rent + charges,
            activated_at=signed_at,
        )
    )
    activated = GuaranteeActivated(**names, activated_at=signed_at, lease_signed_on=signed_on, rent_and_charges_cents=rent + charges)
    await ctx.uow.publish(activated, at=signed_at)


def published_reason(refusal: ActivationRefusal) -> str:
    """The reason an ``activation_refused`` event carries: the refusal's own code when the contract names
    it, else the closest one it names (:data:`CLOSEST_PUBLISHED`)."""
    if refusal.value in PUBLISHED_REASONS:
        return refusal.value
    return CLOSEST_PUBLISHED[refusal].value


def visa_of(record: VisaRecord) -> Visa:
    return Visa(
        number=record.number,
        max_rent_cents=record.max_rent_cents,
        issued_on=record.issued_on,
        valid_until=record.valid_until,
        lease_signing_deadline=record.lease_signing_deadline,
        revoked_on=record.revoked_on,
        lease_not_before=record.lease_not_before,
    )


async def fell_through(ctx: Context, placement_id: uuid.UUID, *, ended_at: datetime, reason: str) -> None:
    """The placement ended before a lease (at ``ended_at``): its files under review close, an approved
    file's visa is revoked (it no longer guarantees anything; its public check answers revoked)."""
    placement = await Placements.for_system(ctx.uow).find(placement_id, for_update=True)
    if placement is None or placement.status == "fell_through":
        return
    placement.status, placement.changed_at = "fell_through", ended_at
    files = Files.for_system(ctx.uow)
    for file in await files.in_placement(placement.placement_id, CLOSING):
        if file.status == FileStatus.APPROVED.value:
            visa = await Visas.for_system(ctx.uow).of_file(file.id, for_update=True)
            if visa is not None and visa.revoked_on is None:
                await revoke_visa(ctx, files, file, visa, actor="matching", role="system", at=ended_at, reason="placement_ended")
            continue
        files.add_step(
            FileStep(
                file_id=file.id,
                action="close",
                from_status=file.status,
                to_status=FileStatus.WITHDRAWN.value,
                actor="matching",
                role="system",
                at=ended_at,
                reasons=[f"placement_{reason}"],
            )
        )
        file.status, file.review_deadline, file.entered_queue_at = FileStatus.WITHDRAWN.value, None, None
        log.info("file %s closed: its placement fell through (%s)", file.id, reason)
