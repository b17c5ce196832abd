"""The visa of an approved file (read by its two parties, with its holder's name for the certificate),
its revocation by the fund, and the public check of a number and a name, which answers ``valid``,
``expired``, ``revoked`` or ``unknown`` and nothing else (a wrong name and a mistyped or erased number
all answer ``unknown``)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Literal

from abri_guarantees.db.repositories.documents import Documents
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.funds import Funds
from abri_guarantees.db.repositories.visas import Visas
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.domain.documents import checklist
from abri_guarantees.domain.guarantee import ActivationRefusal, activation_refusal, effective_signing_day, refusal_detail
from abri_guarantees.domain.policy import FundKind
from abri_guarantees.domain.sources import activation_source
from abri_guarantees.domain.visa import InvalidVisaNumber, VisaStatus, name_orders, parse_visa_number, visa_status
from abri_guarantees.usecases.documents import documents_to_follow
from abri_guarantees.usecases.file_steps import as_fund, visible_file
from abri_guarantees.usecases.funds import file_policy
from abri_guarantees.usecases.placements import visa_of
from abri_guarantees.usecases.privacy import file_key, holder_mac, read_personal
from abri_guarantees.usecases.revocation import revoke_visa
from abri_guarantees.usecases.tenant import full_name
from abri_kit.envelope import KeyEncryption, Unreadable
from abri_kit.errors import Conflict, Problem
from abri_kit.legal import coded_error
from abri_kit.usecase import Context

DECOY_KEY = hashlib.sha256(b"abri: no such visa").digest()
UNKNOWN = "unknown"
RevocationReason = Literal["fraud", "error", "file_withdrawn", "other"]


@dataclass(frozen=True)
class Certificate:
    """What the visa's PDF certificate shows: the visa, its fund's name, its holder."""

    visa: VisaRecord
    fund_name: str
    holder: str


def status_of(visa: VisaRecord, ctx: Context) -> VisaStatus:
    """The visa's status today in France."""
    return visa_status(visa.valid_until, visa.revoked_on, ctx.today)


async def read_visa(ctx: Context, file_id: uuid.UUID, *, for_update: bool = False) -> VisaRecord:
    """The visa of a file the caller sees (404 when it has none: not approved)."""
    file = await visible_file(ctx, file_id)
    visa = await Visas.of(ctx).of_file(file.id, for_update=for_update)
    if visa is None:
        raise Problem(404, f"file {file_id} has no visa (not approved)")
    return visa


async def certificate(ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID) -> Certificate:
    """The visa with its holder's name, for the certificate (the read of the name is logged)."""
    visa = await read_visa(ctx, file_id)
    file = await visible_file(ctx, file_id)
    tenant = await read_personal(ctx, keyring, file, FileReadPurpose.VISA_CERTIFICATE)
    fund = await Funds.of(ctx).find(visa.fund_id)
    return Certificate(visa, fund.name if fund else visa.fund_id, full_name(tenant))


async def revoke(ctx: Context, file_id: uuid.UUID, reason: RevocationReason) -> VisaRecord:
    """The fund's agent revokes the visa of a file of its fund, from today (once)."""
    file = await visible_file(ctx, file_id)
    as_fund(ctx, file)
    visa = await read_visa(ctx, file_id, for_update=True)
    if visa.revoked_on is not None:
        raise Conflict(f"visa {visa.number} was revoked on {visa.revoked_on.isoformat()}", title="Already revoked")
    await revoke_visa(ctx, Files.of(ctx), file, visa, actor=ctx.principal.subject, role="fund_agent", at=ctx.now, reason=reason)
    return visa


async def check_visa(ctx: Context, keyring: KeyEncryption, typed_number: str, name: str) -> str:
    """The status of the visa numbered ``typed_number`` if ``name`` is its holder's (in either order: first
    names then surname, or surname first; accents and case ignored), else ``unknown``.
    Public: it reads any visa by its number (``Visas.for_public_check``), and tells nothing but a status;
    the name is compared under the file's key (a decoy key when there is none, so both take as long)."""
    try:
        number = parse_visa_number(typed_number)
    except InvalidVisaNumber:
        return UNKNOWN
    visa = await Visas.for_public_check(ctx.uow).find(number)
    key = DECOY_KEY
    if visa is not None:
        try:
            key = await file_key(Files.for_system(ctx.uow), keyring, visa.file_id)
        except Unreadable:  # an erased file: its holder can no longer be checked
            visa = None
    recorded = visa.holder_mac if visa is not None else b""
    matched = False
    for order in name_orders(name):  # every order compared, whichever matches: the time depends on the name typed only
        matched |= hmac.compare_digest(holder_mac(key, order), recorded)
    if visa is None or not matched:
        return UNKNOWN
    return status_of(visa, ctx).value


async def check_lease(ctx: Context, file_id: uuid.UUID, signed_on: date, rent_and_charges_cents: int) -> tuple[VisaRecord, date]:
    """Whether a lease signed on ``signed_on`` at ``rent_and_charges_cents`` a month would activate the
    file's visa, judged as its activation will judge it (``usecases/placements.py``: the signing day no
    earlier than the reporting grace allows, the documents to follow as they stand today): the visa and the
    day judged, or a coded 422 naming the rule, its dates and amounts (a lease signed before the tenant's
    birthday of age names that birthday) and its source. Nothing is recorded."""
    file = await visible_file(ctx, file_id)
    visa = await read_visa(ctx, file_id)
    policy = await file_policy(ctx, file)
    judged = effective_signing_day(signed_on, ctx.today, policy.visa.recording_grace_days)
    lease = visa_of(visa)
    refusal = activation_refusal(lease, judged, rent_and_charges_cents, on=judged, reported_on=max(judged, ctx.today))
    required = frozenset(policy.required_documents)
    if refusal is None and documents_to_follow(file) and checklist(await Documents.of(ctx).held_in(file.id), required).missing:
        refusal = ActivationRefusal.DOCUMENTS_MISSING
    if refusal is None:
        return visa, judged
    detail = refusal_detail(refusal, lease, judged, rent_and_charges_cents)
    field = f"body.{detail.field}"
    item = coded_error(
        refusal.value, detail.message, source=activation_source(FundKind(policy.kind), refusal.value), params=detail.params, fields=[field]
    )
    message = f"this lease would not activate visa {visa.number}: {detail.message}"
    raise Problem(422, message, code=refusal.value, errors=[{**item, "field": field}])
