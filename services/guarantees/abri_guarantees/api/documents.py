"""Documents of a guarantee file: only the legal checklist (décret 2015-1437), uploaded by the
association, sealed with the file's key, read by the two parties (each read logged).

A forbidden kind (bank statements, a carte Vitale, a criminal record...), a second identity document,
an unknown kind, a type the bytes do not bear out, an empty or too large file: 422 naming the reason,
nothing stored (``domain/documents.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel

from abri_guarantees.api.files import Keys, Party, SocialWorker, as_association, visible_file
from abri_guarantees.db.documents import Document
from abri_guarantees.db.files import FileStep
from abri_guarantees.domain.documents import DocumentLimits, document_refusal, sniff_content_type
from abri_guarantees.domain.workflow import FileStatus
from abri_guarantees.privacy import file_key, log_read
from abri_guarantees.settings import NAMESPACE
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.envelope import open_bytes, seal_bytes
from abri_kit.idempotency import Idempotent
from abri_kit.problems import Problem

router = APIRouter(prefix="/v1/files", tags=["documents"])
LIMITS = DocumentLimits()
REVIEWED = frozenset({FileStatus.UNDER_REVIEW, FileStatus.INFORMATION_REQUESTED, FileStatus.RESUBMITTED})
"""Documents are added and removed only while the file is reviewed; once decided, they stay as they were."""


class DocumentOut(BaseModel):
    id: uuid.UUID
    kind: str
    sub_kind: str | None
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


def sealed_owner(document: Document) -> str:
    """What a document's ciphertext is bound to: its file and itself (a blob moved to another row does not open)."""
    return f"{document.file_id}/{document.id}"


def document_out(document: Document) -> DocumentOut:
    return DocumentOut.model_validate(document, from_attributes=True)


@router.post("/{file_id}/documents", status_code=201, summary="Add a document of the legal checklist to my file (association)")
async def upload(
    file_id: uuid.UUID,
    principal: SocialWorker,
    session: SessionDep,
    keyring: Keys,
    now: Now,
    idempotency: Idempotent,
    kind: Annotated[str, Form(max_length=60, description="identity, proof_of_address, professional_situation or resources")],
    content: Annotated[UploadFile, File(description="PDF, JPEG or PNG")],
    sub_kind: Annotated[str | None, Form(max_length=60)] = None,
) -> DocumentOut:
    file = await visible_file(session, file_id, principal, for_update=True)
    as_association(file, principal)
    if FileStatus(file.status) not in REVIEWED:
        raise Problem(409, f"the file is {file.status}: documents are added while it is reviewed", title="File closed")
    data = await content.read(LIMITS.max_bytes + 1)
    await idempotency.claim(f"{kind}\n{sub_kind}\n{content.content_type}\n".encode() + data)
    existing = list((await session.execute(sa.select(Document.kind).where(Document.file_id == file.id))).scalars())
    refusal = document_refusal(kind, content.content_type, data[:16], len(data), existing, sub_kind, LIMITS)
    if refusal is not None:
        raise Problem(422, refusal.message, code=refusal.code.value, errors=[{"field": "body", "message": refusal.code.value}])
    document = Document(
        id=uuid.uuid4(),
        file_id=file.id,
        kind=kind,
        sub_kind=sub_kind,
        content_type=sniff_content_type(data[:16]) or "application/octet-stream",
        size=len(data),
        uploaded_by=principal.subject,
        uploaded_at=now,
    )
    document.sealed = seal_bytes(await file_key(session, keyring, file.id), data, sealed_owner(document), NAMESPACE)
    session.add(document)
    await session.flush()
    added = document_out(document)
    await idempotency.remember(201, added)
    return added


@router.get("/{file_id}/documents", summary="The documents of a file (without their content)")
async def list_documents(file_id: uuid.UUID, principal: Party, session: SessionDep) -> list[DocumentOut]:
    file = await visible_file(session, file_id, principal)
    rows = await session.execute(sa.select(Document).where(Document.file_id == file.id).order_by(Document.uploaded_at, Document.id))
    return [document_out(document) for document in rows.scalars()]


@router.get(
    "/{file_id}/documents/{document_id}",
    summary="A document's content (the fund's agents and the association; logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def read_document(
    file_id: uuid.UUID,
    document_id: uuid.UUID,
    principal: Party,
    session: SessionDep,
    keyring: Keys,
    purpose: Annotated[str, Query(pattern=r"^[a-z_]{3,40}$", description="Why (written to the access log)")],
) -> Response:
    file = await visible_file(session, file_id, principal)
    document = await session.get(Document, document_id)
    if document is None or document.file_id != file.id:
        raise Problem(404, f"document {document_id} not found")
    data = open_bytes(await file_key(session, keyring, file.id), document.sealed, sealed_owner(document), NAMESPACE)
    await log_read(session, file.id, principal, purpose)
    return Response(
        data,
        media_type=document.content_type,
        headers={
            "content-disposition": f'attachment; filename="{document.kind}-{document.id}"',
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        },
    )


@router.delete("/{file_id}/documents/{document_id}", status_code=204, summary="Remove a document from my file (association)")
async def delete_document(file_id: uuid.UUID, document_id: uuid.UUID, principal: SocialWorker, session: SessionDep, now: Now) -> Response:
    file = await visible_file(session, file_id, principal, for_update=True)
    as_association(file, principal)
    document = await session.get(Document, document_id)
    if document is None or document.file_id != file.id:
        raise Problem(404, f"document {document_id} not found")
    if FileStatus(file.status) not in REVIEWED:
        raise Problem(409, f"the file is {file.status}: its documents are kept as they were decided on", title="File closed")
    await session.delete(document)
    session.add(FileStep.note(file, "remove_document", actor=principal.subject, role="social_worker", at=now, reasons=[document.kind]))
    return Response(status_code=204)
