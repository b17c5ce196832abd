"""The household's own guarantee files, for its pages: where each stands, its visa and the state of each
category of documents the fund requires (``usecases/household_files.py``). Only the household signed in
with its own account reads them; its association reads the files themselves (``/v1/files``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_guarantees.domain.documents import ChecklistItem
from abri_guarantees.domain.visa import VisaStatus, grouped
from abri_guarantees.domain.workflow import FileStatus
from abri_guarantees.usecases import household_files
from abri_guarantees.usecases.household_files import HouseholdFile
from abri_kit.dependencies import Ctx

router = APIRouter(prefix="/v1/households", tags=["household"])
Household = Annotated[Principal, Depends(require_roles("household"))]
DocumentState = Literal["received", "missing", "to_follow", "not_required"]


class OwnDocumentsOut(BaseModel):
    kind: str = Field(description="A category of décret 2015-1437, annex I.")
    required: bool = Field(description="The fund requires it.")
    documents: int = Field(description="How many documents of it the file holds.")
    state: DocumentState = Field(
        description="received; missing (required, not there yet); to_follow (the fund approved and waits for it before the lease); "
        "not_required (the fund does not ask for it)"
    )


class OwnVisaOut(BaseModel):
    number: str = Field(description="As printed: groups of four.")
    status: VisaStatus
    max_rent_cents: int
    issued_on: date
    valid_until: date
    lease_signing_deadline: date
    lease_not_before: date | None


class OwnFileOut(BaseModel):
    id: uuid.UUID
    fund_name: str
    status: FileStatus
    filed_at: datetime
    review_deadline: datetime | None
    decided_at: datetime | None
    documents_complete: bool = Field(description="Every category the fund requires is received.")
    documents: list[OwnDocumentsOut]
    visa: OwnVisaOut | None


class OwnFilesOut(BaseModel):
    items: list[OwnFileOut] = Field(description="The household's files, the oldest filed first (a household has a few).")


def state_of(item: ChecklistItem, to_follow: bool) -> DocumentState:
    if item.present:
        return "received"
    if not item.required:
        return "not_required"
    return "to_follow" if to_follow else "missing"


def own_file(shown: HouseholdFile) -> OwnFileOut:
    file, visa = shown.file, shown.visa
    return OwnFileOut(
        id=file.id,
        fund_name=shown.fund_name,
        status=FileStatus(file.status),
        filed_at=file.created_at,
        review_deadline=file.review_deadline,
        decided_at=file.decided_at,
        documents_complete=shown.checklist.complete,
        documents=[
            OwnDocumentsOut(kind=i.kind.value, required=i.required, documents=i.documents, state=state_of(i, shown.documents_to_follow))
            for i in shown.checklist.items
        ],
        visa=OwnVisaOut(
            number=grouped(visa.number),
            status=shown.visa_status or VisaStatus.VALID,
            max_rent_cents=visa.max_rent_cents,
            issued_on=visa.issued_on,
            valid_until=visa.valid_until,
            lease_signing_deadline=visa.lease_signing_deadline,
            lease_not_before=visa.lease_not_before,
        )
        if visa is not None
        else None,
    )


@router.get(
    "/{household_id}/files",
    summary="My guarantee files: where each stands, its visa and the state of each category of documents (the household itself)",
)
async def my_files(household_id: uuid.UUID, _: Household, ctx: Ctx) -> OwnFilesOut:
    return OwnFilesOut(items=[own_file(shown) for shown in await household_files.household_files(ctx, household_id)])
