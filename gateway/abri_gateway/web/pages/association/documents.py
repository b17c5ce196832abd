"""A guarantee file's page and the documents of its legal checklist, added (multipart, size checked
before it is read) and removed while the file is reviewed."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any, BinaryIO

import aiohttp
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from abri_gateway.web import forms, refusals
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.association.shared import FILE_OPEN, Page, act, euros_typed, not_found, render
from abri_gateway.web.pages.association.words import term
from abri_gateway.web.visit import Visit

router = APIRouter()

DOCUMENT_KINDS = ("identity", "proof_of_address", "professional_situation", "resources")
SUB_KINDS = {
    "identity": ("national_identity_card", "passport", "driving_licence", "residence_permit"),
    "proof_of_address": (
        "rent_receipts",
        "previous_landlord_certificate",
        "domiciliation_certificate",
        "host_statement",
        "property_tax_or_title_deed",
    ),
    "professional_situation": (
        "employment_contract",
        "employer_certificate",
        "trade_register_extract",
        "crafts_register_extract",
        "insee_registration",
        "professional_card",
        "evidence_of_activity",
        "student_card",
    ),
    "resources": (
        "tax_notice",
        "payslips",
        "internship_allowance",
        "balance_sheets",
        "benefit_statements",
        "housing_aid_simulation",
        "student_grant_notice",
        "property_title_or_tax",
        "investment_income",
    ),
}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
"""The guarantees service's limit per document (``DocumentLimits.max_bytes``)."""
UPLOAD_LIMIT = DOCUMENT_MAX_BYTES + 64 * 1024
"""An upload form: one document and a few short fields."""
DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png"
TO_FOLLOW = "documents_to_follow"
"""The reason of an approval without every required document whose documents the association still sends."""


async def file_page(
    page: Visit, file_id: uuid.UUID, errors: dict[str, str], status: int = 200, lease: dict[str, Any] | None = None
) -> HTMLResponse:
    """A guarantee file: its timeline, the fund's last request, the checklist of the documents the fund
    requires (present, missing, or to follow after an approval), its documents and the forms to add them, the
    visa and the form that checks a lease before it is signed (``lease``: its values as typed)."""
    current = await page.get("guarantees", f"/v1/files/{file_id}")
    documents = await page.every("guarantees", f"/v1/files/{file_id}/documents")
    held = {d["kind"] for d in documents}
    funds = {f["fund_id"]: f for f in await page.every("guarantees", "/v1/funds")}
    requests = [s for s in current.get("steps") or [] if s["action"] == "request_information" and s.get("message")]
    to_follow = documents_to_follow(current)
    unit = current.get("unit") or {}
    lease = lease or {"lease_rent": euros_typed((unit.get("rent_cents") or 0) + (unit.get("charges_cents") or 0))}
    return render(
        page, "file.html", status=status, file=current, documents=documents, held=held, fund=funds.get(current["fund_id"]),
        kinds=DOCUMENT_KINDS, sub_kinds=SUB_KINDS, errors=errors, max_mb=DOCUMENT_MAX_BYTES // (1024 * 1024), accept=DOCUMENT_TYPES,
        open_statuses=FILE_OPEN, last_request=requests[-1] if requests else None, checklist=await checklist(page, file_id),
        to_follow=to_follow, may_add=current["status"] in FILE_OPEN or to_follow, documents_text=refusals.documents_text,
        lease_values=lease,
    )  # fmt: skip


def documents_to_follow(file: dict[str, Any]) -> bool:
    """The fund approved the file with required documents "to follow": the association still adds them (the
    guarantee is activated at the lease only once the checklist is complete)."""
    return file.get("status") == "approved" and TO_FOLLOW in (file.get("reasons") or [])


async def checklist(page: Visit, file_id: uuid.UUID) -> dict[str, Any] | None:
    """Which categories the fund requires are present or missing in the file (guarantees' checklist, which
    the association reads for its own files); None when the service has none to give (the page goes on)."""
    try:
        found = await page.api("GET", "guarantees", f"/v1/files/{file_id}/checklist")
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        return None
    return dict(found)


@router.post("/files/{file_id}/documents", response_class=HTMLResponse, summary="Add a document of the legal checklist (multipart)")
async def upload_document(file_id: uuid.UUID, page: Page) -> Response:
    form = await page.upload_form(UPLOAD_LIMIT, too_large=too_large(), unsized=_("Send the document from the file's page."))
    try:
        return await _add_document(page, file_id, form)
    finally:
        await form.close()


async def _add_document(page: Visit, file_id: uuid.UUID, form: FormData) -> Response:
    kind, sub_kind, content = forms.text(form, "kind"), forms.text(form, "sub_kind"), form.get("content")
    errors = forms.FieldErrors()
    field = f"content-{kind}" if kind in DOCUMENT_KINDS else "content-identity"
    if kind not in DOCUMENT_KINDS:
        errors.add(field, _("Choose a document of the legal list."))
    elif sub_kind and sub_kind not in SUB_KINDS[kind]:
        errors.add(f"sub_kind-{kind}", _("Choose which document it is, in this category."))
    if not isinstance(content, UploadFile) or not content.filename:
        errors.add(field, _("Choose the file to send (PDF, JPEG or PNG)."))
    elif content.size is not None and content.size > DOCUMENT_MAX_BYTES:
        errors.add(field, too_large())
    if not errors and isinstance(content, UploadFile):
        sent = aiohttp.FormData()
        sent.add_field("kind", kind)
        if sub_kind:
            sent.add_field("sub_kind", sub_kind)
        await content.seek(0)
        sent.add_field(
            "content",
            KeptOpen(content.file),
            filename=_safe_filename(content.filename or "document"),
            content_type=content.content_type or "application/octet-stream",
        )
        try:
            await page.api("POST", "guarantees", f"/v1/files/{file_id}/documents", form=sent)
        except ApiError as exc:
            if exc.status in (403, 404):
                raise not_found() from exc
            if exc.status >= 500:
                raise
            if exc.status == 422 and exc.errors:  # each refusal in the reader's language, with its legal source
                refused = forms.api_field_errors(exc, {"sub_kind": f"sub_kind-{kind}", "kind": field, "body": field, "content": field})
                for name, message in refused.items():
                    errors.add(field if name == "_form" else name, message)
            else:
                code = str(exc.problem.get("code") or "")
                errors.add(field, term("document_refusal", code) if code else explained(exc))
        else:
            page.notify("success", _("The document is added to the file."))
            return page.redirect(f"/association/files/{file_id}")
    return await file_page(page, file_id, errors, status=422)


class KeptOpen(io.RawIOBase):
    """The uploaded file as aiohttp sends it, without letting aiohttp close it: aiohttp closes a file it was given
    once sent (in a worker thread), while the form closes its files too; both closing the same temporary file
    at once failed now and then ("I/O operation on closed file", a 500 after the document was sent). The
    form alone closes it."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__()
        self._file = file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._file.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()


def too_large() -> str:
    """The guarantees service's own refusal of a document above its limit, said before it is sent."""
    return refusals.sentence({"rule": "document_too_large", "params": {"max_bytes": DOCUMENT_MAX_BYTES}})


def _safe_filename(name: str) -> str:
    """The upload's name without path or quotes (the service keeps only its own name anyway)."""
    return re.sub(r"[^\w.-]", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:100] or "document"


@router.post("/files/{file_id}/documents/{document_id}/remove", summary="Remove a document while the file is reviewed")
async def remove_document(file_id: uuid.UUID, document_id: uuid.UUID, page: Page) -> RedirectResponse:
    await page.form()
    return await act(
        page, "DELETE", "guarantees", f"/v1/files/{file_id}/documents/{document_id}", back=f"/association/files/{file_id}",
        done=_("The document is removed from the file."), refused=_("The file is decided: its documents stay as they were decided on."),
    )  # fmt: skip
