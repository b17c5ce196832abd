"""Documents of a guarantee file: only the legal checklist (décret 2015-1437), uploaded by the
association while the file is reviewed, sealed with the file's key, read by the two parties (each read
logged). What may be uploaded is ``domain/documents.py``'s to say; a refusal stores nothing."""

from __future__ import annotations

import uuid

from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileStep, GuaranteeFile
from abri_guarantees.db.repositories.documents import Documents
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.domain.documents import Checklist, DocumentLimits, checklist, document_refusal, sniff_content_type
from abri_guarantees.domain.policy import FundKind
from abri_guarantees.domain.sources import document_source
from abri_guarantees.domain.workflow import FileStatus, MissingDocumentsReason
from abri_guarantees.settings import NAMESPACE
from abri_guarantees.usecases.consent import require_for_reading
from abri_guarantees.usecases.file_steps import as_association, visible_file
from abri_guarantees.usecases.funds import file_policy
from abri_guarantees.usecases.privacy import file_key
from abri_kit.envelope import KeyEncryption, open_bytes, seal_bytes
from abri_kit.errors import Conflict, Problem
from abri_kit.legal import coded_error
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context

LIMITS = DocumentLimits()
REVIEWED = frozenset({FileStatus.UNDER_REVIEW, FileStatus.INFORMATION_REQUESTED, FileStatus.RESUBMITTED})
"""Documents are added and removed only while the file is reviewed; once decided, they stay as they were."""


def documents_to_follow(file: GuaranteeFile) -> bool:
    """An approved file whose agent approved it with required documents "to follow": the association adds
    them after the approval, until the lease (the guarantee is activated only once the checklist is complete)."""
    return FileStatus(file.status) is FileStatus.APPROVED and MissingDocumentsReason.DOCUMENTS_TO_FOLLOW.value in (file.reasons or [])


def sealed_owner(document: Document) -> str:
    """What a document's ciphertext is bound to: its file and itself (a blob moved to another row does not open)."""
    return f"{document.file_id}/{document.id}"


async def upload(
    ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID, kind: str, sub_kind: str | None, declared_type: str | None, data: bytes
) -> Document:
    """Add a document to the caller's association's file (422 naming the reason for what the checklist refuses)."""
    file = await visible_file(ctx, file_id, for_update=True)
    as_association(ctx, file)
    if FileStatus(file.status) not in REVIEWED and not documents_to_follow(file):
        raise Conflict(f"the file is {file.status}: documents are added while it is reviewed", title="File closed")
    documents = Documents.of(ctx)
    refusal = document_refusal(kind, declared_type, data[:16], len(data), await documents.kinds_in(file.id), sub_kind, LIMITS)
    if refusal is not None:
        rule = refusal.code.value
        item = coded_error(rule, refusal.message, source=document_source(rule), params=refusal.params, fields=[refusal.field])
        raise Problem(422, refusal.message, code=rule, errors=[{**item, "field": refusal.field}])
    document = Document(
        id=uuid.uuid4(),
        file_id=file.id,
        kind=kind,
        sub_kind=sub_kind,
        content_type=sniff_content_type(data[:16]) or "application/octet-stream",
        size=len(data),
        uploaded_by=ctx.principal.subject,
        uploaded_at=ctx.now,
    )
    document.sealed = seal_bytes(await file_key(Files.of(ctx), keyring, file.id), data, sealed_owner(document), NAMESPACE)
    documents.add(document)
    await ctx.uow.flush("the document")
    return document


async def file_checklist(ctx: Context, file_id: uuid.UUID) -> tuple[Checklist, FundKind]:
    """The file's documents against the categories its fund requires (the policy it was checked against):
    which are present, which missing (the fund's agent sees it before deciding; the association too)."""
    file = await visible_file(ctx, file_id)
    policy = await file_policy(ctx, file)
    return checklist(await Documents.of(ctx).held_in(file.id), policy.required_documents), FundKind(policy.kind)


async def list_documents(ctx: Context, file_id: uuid.UUID, page: PageRequest) -> tuple[list[Document], str | None]:
    """One page of a file's documents (without their content), in the order they were uploaded."""
    file = await visible_file(ctx, file_id)
    return await Documents.of(ctx).page_of_file(file.id, page)


async def read_document(
    ctx: Context, keyring: KeyEncryption, file_id: uuid.UUID, document_id: uuid.UUID, purpose: FileReadPurpose
) -> tuple[Document, bytes]:
    """A document and its content, opened for ``purpose`` (written to the access log)."""
    file = await visible_file(ctx, file_id)
    await require_for_reading(ctx, file)  # a fund's agent: only with the household's consent (403)
    document = await _document(ctx, file.id, document_id)
    files = Files.of(ctx)
    data = open_bytes(await file_key(files, keyring, file.id), document.sealed, sealed_owner(document), NAMESPACE)
    await files.log_read(file.id, ctx.principal, purpose, ctx.now)
    return document, data


async def delete_document(ctx: Context, file_id: uuid.UUID, document_id: uuid.UUID) -> None:
    """Remove a document from the caller's association's file while it is reviewed (a step records it)."""
    file = await visible_file(ctx, file_id, for_update=True)
    as_association(ctx, file)
    document = await _document(ctx, file.id, document_id)
    if FileStatus(file.status) not in REVIEWED:
        raise Conflict(f"the file is {file.status}: its documents are kept as they were decided on", title="File closed")
    await Documents.of(ctx).remove(document)
    step = FileStep.note(file, "remove_document", actor=ctx.principal.subject, role="social_worker", at=ctx.now, reasons=[document.kind])
    Files.of(ctx).add_step(step)


async def _document(ctx: Context, file_id: uuid.UUID, document_id: uuid.UUID) -> Document:
    document = await Documents.of(ctx).in_file(file_id, document_id)
    if document is None:
        raise Problem(404, f"document {document_id} not found")
    return document
