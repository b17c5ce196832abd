"""A household's export from guarantees: one JSON document (GDPR art. 15 and 20), gathered with the
other services' by the gateway, and the files it lists (the documents, the visa certificate), each
downloaded from a path under the export. Stable keys, ISO 8601 instants with their offset, ISO dates,
integer euro cents, coded reasons; the tenant's data and the messages opened for the household itself
or its association, every opening logged (purpose ``export``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_guarantees.api.dependencies import Keys, Settings
from abri_guarantees.api.file_schemas import FailureOut
from abri_guarantees.usecases import export as exporting
from abri_guarantees.visa_pdf import render_visa_pdf
from abri_kit.dependencies import Ctx
from abri_kit.exports import HouseholdExport

router = APIRouter(prefix="/v1/households", tags=["export"])
Exporter = Annotated[Principal, Depends(require_roles("social_worker", "household"))]
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
OPENED = ("association", "failures", "tenant", "steps", "visa", "guarantee", "claims", "access_log")
"""The fields of an exported file that are not its row's columns as they are."""


class ExportedStep(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    role: str
    at: datetime
    reasons: list[str]
    message: str | None = Field(description="The message written with the step (between the fund and the association), opened.")


class ExportedVisa(BaseModel):
    number: str
    max_rent_cents: int
    issued_on: date
    valid_until: date
    lease_signing_deadline: date
    revoked_on: date | None
    lease_not_before: date | None = None


class ExportedGuarantee(BaseModel):
    visa_number: str
    lease_signed_on: date
    lease_starts_on: date
    rent_and_charges_cents: int
    activated_at: datetime
    ended_on: date | None


class ExportedClaim(BaseModel):
    id: uuid.UUID
    status: str
    months: list[dict[str, Any]]
    declared_on: date
    ground: str
    arrears_cents: int
    rent_payable_cents: int
    damage_cents: int
    damage_payable_cents: int
    paid_cents: int | None
    filed_at: datetime
    paid_at: datetime | None
    rejection_reasons: list[str]


class ExportedRead(BaseModel):
    id: str = Field(description="The entry's MAC in the access log's chain.")
    at: datetime
    actor: str
    actor_role: str | None
    actor_org: str | None
    purpose: str


class ExportedFile(BaseModel):
    id: uuid.UUID
    fund_id: str
    association: str
    placement_id: uuid.UUID
    unit_id: uuid.UUID
    status: str
    policy_version: int
    unit: dict[str, Any]
    failures: list[FailureOut]
    max_rent_cents: int | None
    entered_queue_at: datetime | None
    review_deadline: datetime | None
    decided_at: datetime | None
    reasons: list[str]
    created_at: datetime
    tenant: dict[str, Any] | None = Field(description="The tenant's data as filed, opened for the export; null once erased.")
    steps: list[ExportedStep]
    visa: ExportedVisa | None
    guarantee: ExportedGuarantee | None
    claims: list[ExportedClaim]
    access_log: list[ExportedRead] = Field(description="Every read of the file's personal data, this export included, oldest first.")


class ExportedDocument(BaseModel):
    id: str
    file_id: uuid.UUID
    kind: str
    sub_kind: str | None
    content_type: str
    size_bytes: int | None = Field(description="Its exact size (null for a certificate drawn when downloaded).")
    uploaded_at: datetime | None
    name: str = Field(description="Its name in the archive's documents folder.")
    download_path: str


class GuaranteesExport(HouseholdExport):
    """What the guarantees service holds about one household."""

    service: Literal["guarantees"] = "guarantees"
    files: list[ExportedFile]
    documents: list[ExportedDocument] = Field(description="The files' documents and visa certificates, each downloaded from its path.")


@router.get(
    "/{household_id}/export",
    summary="Everything guarantees holds about a household, as one JSON document (the household or its association; logged)",
)
async def export_household(household_id: uuid.UUID, _: Exporter, ctx: Ctx, keyring: Keys) -> GuaranteesExport:
    found = await exporting.export_household(ctx, keyring, household_id)
    base = f"/v1/households/{household_id}/export"
    files, documents = [], []
    for exported in found.files:
        file = exported.file
        files.append(
            ExportedFile(
                **_columns(file, ExportedFile, *OPENED),
                association=file.org_id,
                failures=[FailureOut.model_validate(failure) for failure in file.failures],
                tenant=exported.tenant,
                steps=[ExportedStep(**_columns(step, ExportedStep, "message"), message=message) for step, message in exported.steps],
                visa=ExportedVisa.model_validate(exported.visa, from_attributes=True) if exported.visa else None,
                guarantee=ExportedGuarantee.model_validate(exported.guarantee, from_attributes=True) if exported.guarantee else None,
                claims=[ExportedClaim.model_validate(claim, from_attributes=True) for claim in exported.claims],
                access_log=[ExportedRead(**_columns(entry, ExportedRead, "id"), id=entry.mac) for entry in exported.access_log],
            )
        )
        documents += [
            ExportedDocument(
                **_columns(document, ExportedDocument, "id", "size_bytes", "name", "download_path"),
                id=str(document.id),
                size_bytes=document.size,
                name=f"{file.id}-{document.kind}-{document.id}.{EXTENSIONS.get(document.content_type, 'bin')}",
                download_path=f"{base}/documents/{document.id}",
            )
            for document in exported.documents
        ]
        if exported.visa is not None and exported.tenant is not None:
            documents.append(
                ExportedDocument(
                    id=exported.visa.number,
                    file_id=file.id,
                    kind="visa_certificate",
                    sub_kind=None,
                    content_type="application/pdf",
                    size_bytes=None,
                    uploaded_at=None,
                    name=f"visa-{exported.visa.number}.pdf",
                    download_path=f"{base}/visas/{file.id}",
                )
            )
    return GuaranteesExport(
        schema_version=exporting.SCHEMA_VERSION,
        generated_at=found.generated_at,
        household_id=household_id,
        files=files,
        documents=documents,
    )


@router.get(
    "/{household_id}/export/documents/{document_id}",
    summary="A document of the household's guarantee files, for its export (the household or its association; logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def export_document(household_id: uuid.UUID, document_id: uuid.UUID, _: Exporter, ctx: Ctx, keyring: Keys) -> Response:
    document, data = await exporting.export_document(ctx, keyring, household_id, document_id)
    return Response(
        data,
        media_type=document.content_type,
        headers={
            "content-disposition": f'attachment; filename="{document.kind}-{document.id}"',
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        },
    )


@router.get(
    "/{household_id}/export/visas/{file_id}",
    summary="The visa certificate of one of the household's files, for its export (the household or its association; logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def export_visa(household_id: uuid.UUID, file_id: uuid.UUID, _: Exporter, ctx: Ctx, keyring: Keys, settings: Settings) -> Response:
    shown = await exporting.export_visa(ctx, keyring, household_id, file_id)
    visa = shown.visa
    body = await render_visa_pdf(visa, shown.fund_name, shown.holder, settings.visa_check_page, settings.visa_font_path)
    return Response(
        body,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="visa-{visa.number}.pdf"', "cache-control": "no-store"},
    )


def _columns(row: object, model: type[BaseModel], *besides: str) -> dict[str, Any]:
    """The row's values of the model's fields (but ``besides``)."""
    return {name: getattr(row, name) for name in model.model_fields if name not in besides}
