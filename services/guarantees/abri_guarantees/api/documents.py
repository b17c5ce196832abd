"""Documents of a guarantee file: only the legal checklist (décret 2015-1437), uploaded by the
association, sealed with the file's key, read by the two parties (each read logged). Thin adapters over
``usecases/documents.py``.

A forbidden kind (bank statements, a carte Vitale, a criminal record...), a second identity document,
an unknown kind, a type the bytes do not bear out, an empty or too large file: 422 naming the reason,
nothing stored (``domain/documents.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field

from abri_guarantees.api.dependencies import Keys, Party, SocialWorker
from abri_guarantees.db.models import Document
from abri_guarantees.domain.access import PartyReadPurpose
from abri_guarantees.domain.sources import eligibility_source
from abri_guarantees.usecases import documents
from abri_guarantees.usecases.decisions import MISSING_DOCUMENTS
from abri_guarantees.usecases.documents import LIMITS
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.legal import source_fields
from abri_kit.pagination import Page

router = APIRouter(prefix="/v1/files", tags=["documents"])


class DocumentOut(BaseModel):
    id: uuid.UUID
    kind: str
    sub_kind: str | None
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


def document_out(document: Document) -> DocumentOut:
    return DocumentOut.model_validate(document, from_attributes=True)


@router.post("/{file_id}/documents", status_code=201, summary="Add a document of the legal checklist to my file (association)")
async def upload(
    file_id: uuid.UUID,
    _: SocialWorker,
    ctx: Ctx,
    keyring: Keys,
    idempotency: Idempotent,
    kind: Annotated[str, Form(max_length=60, description="identity, proof_of_address, professional_situation or resources")],
    content: Annotated[UploadFile, File(description="PDF, JPEG or PNG")],
    sub_kind: Annotated[
        str | None,
        Form(
            max_length=60,
            description=(
                "Required: which document of décret 2015-1437 it is (e.g. passport, payslips); a missing or unknown one is "
                "answered 422 naming the allowed sub-kinds of the kind."
            ),
        ),
    ] = None,
) -> DocumentOut:
    data = await content.read(LIMITS.max_bytes + 1)
    await idempotency.claim(f"{kind}\n{sub_kind}\n{content.content_type}\n".encode() + data)
    added = document_out(await documents.upload(ctx, keyring, file_id, kind, sub_kind, content.content_type, data))
    await idempotency.remember(201, added)
    return added


class ChecklistItemOut(BaseModel):
    kind: str = Field(description="A category of décret 2015-1437, annex I.")
    required: bool = Field(description="The fund requires it before approving (its policy's required_documents).")
    present: bool
    documents: int
    sub_kinds: list[str | None] = Field(description="The documents held of it (null: uploaded before sub-kinds were required).")


class ChecklistOut(BaseModel):
    file_id: uuid.UUID
    complete: bool = Field(description="Every category the fund requires is present.")
    missing: list[str] = Field(description="The required categories the file lacks: approving without them takes a stated reason.")
    items: list[ChecklistItemOut]
    source: str
    source_url: str | None
    source_citation: str = Field(
        default="",
        description="The reference of the text alone (a French proper name, said as it is in any language); empty: no law.",
    )
    source_note: str | None = Field(
        default=None, description="The stable code of what the source adds in words (a page translates it; `source` says it in English)."
    )


@router.get("/{file_id}/checklist", summary="Which documents the fund requires are present or missing in a file (both parties)")
async def read_checklist(file_id: uuid.UUID, _: Party, ctx: Ctx) -> ChecklistOut:
    found, kind = await documents.file_checklist(ctx, file_id)
    source = eligibility_source(kind, MISSING_DOCUMENTS)
    return ChecklistOut(
        file_id=file_id,
        complete=found.complete,
        missing=found.missing,
        items=[
            ChecklistItemOut(kind=i.kind.value, required=i.required, present=i.present, documents=i.documents, sub_kinds=list(i.sub_kinds))
            for i in found.items
        ],
        **source_fields(source),
    )


@router.get("/{file_id}/documents", summary="The documents of a file (without their content), in the order they were uploaded, in pages")
async def list_documents(file_id: uuid.UUID, _: Party, ctx: Ctx, page: PageParams) -> Page[DocumentOut]:
    rows, next_cursor = await documents.list_documents(ctx, file_id, page)
    return Page[DocumentOut](items=[document_out(document) for document in rows], next_cursor=next_cursor)


@router.get(
    "/{file_id}/documents/{document_id}",
    summary="A document's content (the fund's agents and the association; logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def read_document(
    file_id: uuid.UUID,
    document_id: uuid.UUID,
    _: Party,
    ctx: Ctx,
    keyring: Keys,
    purpose: Annotated[PartyReadPurpose, Query(description="Why (a coded purpose, written to the access log)")],
) -> Response:
    document, data = await documents.read_document(ctx, keyring, file_id, document_id, purpose.logged())
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
async def delete_document(file_id: uuid.UUID, document_id: uuid.UUID, _: SocialWorker, ctx: Ctx) -> Response:
    await documents.delete_document(ctx, file_id, document_id)
    return Response(status_code=204)
