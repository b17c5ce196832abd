"""The fund's decisions on a file (request information, approve with a visa, reject with coded reasons)
and the association's withdrawal, each through the workflow (``domain/workflow.py``) and recorded."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence

from abri_contracts.guarantees import GuaranteeApproved, GuaranteeInformationRequested, GuaranteeRejected
from abri_guarantees.db.repositories.documents import Documents
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.db.repositories.visas import Visas
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain import workflow
from abri_guarantees.domain.documents import checklist
from abri_guarantees.domain.policy import FundKind
from abri_guarantees.domain.sources import eligibility_source
from abri_guarantees.domain.visa import RANDOM_BYTES, issue_visa
from abri_guarantees.domain.workflow import Action, FileStatus, MissingDocumentsReason
from abri_guarantees.usecases.file_steps import FileView, as_association, as_fund, enter_queue, record, transition, visible_file, whole
from abri_guarantees.usecases.funds import file_policy
from abri_guarantees.usecases.privacy import file_key, holder_mac, open_personal, seal_message
from abri_guarantees.usecases.tenant import facts_of, full_name
from abri_kit.envelope import KeyEncryption
from abri_kit.errors import Problem
from abri_kit.legal import coded_error
from abri_kit.usecase import Context

MISSING_DOCUMENTS = "required_documents_missing"
APPROVED_WITH_MISSING = "approved_with_missing_documents"
"""The first reason of an approval step that went ahead without a required category."""


def missing_documents_problem(kind: FundKind, missing: list[str]) -> Problem:
    """422: the fund requires these categories; the agent states a coded reason and a note to approve without them."""
    allowed = ", ".join(MissingDocumentsReason)
    message = (
        f"the file lacks documents the fund requires ({', '.join(missing)}); approve it with missing_documents "
        f"{{reason: one of {allowed}, note}}, or ask the association for them"
    )
    params: dict[str, str | int] = {"missing": ", ".join(missing), "allowed_reasons": allowed, "note_max_chars": workflow.NOTE_MAX_CHARS}
    where = "body.missing_documents"
    item = coded_error(MISSING_DOCUMENTS, message, source=eligibility_source(kind, MISSING_DOCUMENTS), params=params, fields=[where])
    return Problem(422, message, title="Documents missing", code=MISSING_DOCUMENTS, missing=missing, errors=[{**item, "field": where}])


async def request_information(ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID, message: str) -> FileView:
    """The fund's agent asks the association for more (the message sealed; the review clock stops)."""
    file = await visible_file(ctx, file_id, for_update=True)
    as_fund(ctx, file)
    to = transition(lambda: workflow.request_information(FileStatus(file.status), message))
    sealed = seal_message(await file_key(Files.of(ctx), keyring, file.id), file.id, message)
    enter_queue(file, to, ctx.now, 0)
    event = GuaranteeInformationRequested(
        file_id=file.id, placement_id=file.placement_id, fund_id=file.fund_id, org_id=file.org_id, requested_at=ctx.now
    )
    await record(ctx, file, Action.REQUEST_INFORMATION, to, message=sealed, events=[event])
    return await whole(ctx, keyring, file)


async def approve(
    ctx: Context,
    keyring: KeyEncryption,
    file_id: uuid.UUID,
    reason: MissingDocumentsReason | None = None,
    note: str | None = None,
) -> FileView:
    """The fund's agent approves: a visa is issued on the policy the file was checked against. A file that
    lacks a category of documents the fund requires is approved only with a coded ``reason`` and a ``note``
    (422 naming the missing categories otherwise); the step records the reason and the missing categories,
    the note sealed with the file's key (it may name the tenant)."""
    file = await visible_file(ctx, file_id, for_update=True)
    as_fund(ctx, file)
    policy = await file_policy(ctx, file)
    missing = checklist(await Documents.of(ctx).held_in(file.id), policy.required_documents).missing
    try:
        to = transition(lambda: workflow.approve(FileStatus(file.status), missing, reason, note))
    except workflow.MissingDocuments as exc:
        raise missing_documents_problem(FundKind(policy.kind), exc.missing) from exc
    key = await file_key(Files.of(ctx), keyring, file.id)
    tenant = open_personal(key, file)
    visas = Visas.of(ctx)
    visa = issue_visa(policy, facts_of(tenant, file.unit), ctx.today, os.urandom(RANDOM_BYTES))
    while await visas.number_taken(visa.number):  # 55 random bits: a collision is rare, never kept
        visa = issue_visa(policy, facts_of(tenant, file.unit), ctx.today, os.urandom(RANDOM_BYTES))
    visas.add(
        VisaRecord(
            number=visa.number,
            file_id=file.id,
            fund_id=file.fund_id,
            max_rent_cents=visa.max_rent_cents,
            issued_on=visa.issued_on,
            valid_until=visa.valid_until,
            lease_signing_deadline=visa.lease_signing_deadline,
            lease_not_before=visa.lease_not_before,
            holder_mac=holder_mac(key, full_name(tenant)),
            created_at=ctx.now,
        )
    )
    file.max_rent_cents, file.decided_at = visa.max_rent_cents, ctx.now
    review = {"under_review_since": file.entered_queue_at, "review_deadline": file.review_deadline}  # before the queue moves on
    enter_queue(file, to, ctx.now, 0)
    event = GuaranteeApproved(
        file_id=file.id,
        placement_id=file.placement_id,
        fund_id=file.fund_id,
        org_id=file.org_id,
        decided_at=ctx.now,
        **review,
        max_rent_cents=visa.max_rent_cents,
        valid_until=visa.valid_until,
    )
    if missing and reason is not None and note is not None:
        reasons = [APPROVED_WITH_MISSING, reason.value, *(f"missing_{kind}" for kind in missing)]
        file.reasons = reasons  # "documents_to_follow": the association may still add them, until the lease (documents.py)
        await record(ctx, file, Action.APPROVE, to, reasons=reasons, message=seal_message(key, file.id, note.strip()), events=[event])
    else:
        await record(ctx, file, Action.APPROVE, to, events=[event])
    return await whole(ctx, keyring, file)


async def reject(ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID, reasons: Sequence[str]) -> FileView:
    """The fund's agent rejects with coded reasons (``workflow.REJECTION_REASONS``)."""
    file = await visible_file(ctx, file_id, for_update=True)
    as_fund(ctx, file)
    to = transition(lambda: workflow.reject(FileStatus(file.status), reasons))
    file.reasons, file.decided_at = list(reasons), ctx.now
    review = {"under_review_since": file.entered_queue_at, "review_deadline": file.review_deadline}  # before the queue moves on
    enter_queue(file, to, ctx.now, 0)
    event = GuaranteeRejected(
        file_id=file.id, placement_id=file.placement_id, fund_id=file.fund_id, org_id=file.org_id, decided_at=ctx.now,
        reasons=list(reasons), **review,
    )  # fmt: skip
    await record(ctx, file, Action.REJECT, to, reasons=reasons, events=[event])
    return await whole(ctx, keyring, file)


async def withdraw(ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID) -> FileView:
    """The association withdraws its file before the decision."""
    file = await visible_file(ctx, file_id, for_update=True)
    as_association(ctx, file)
    to = transition(lambda: workflow.withdraw(FileStatus(file.status)))
    enter_queue(file, to, ctx.now, 0)
    await record(ctx, file, Action.WITHDRAW, to)
    return await whole(ctx, keyring, file)
