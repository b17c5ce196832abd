"""A household's export: everything matching holds about it, as one JSON document (GDPR art. 15 and 20).

Machine-readable and stable: the keys below are the document's schema (``schema_version`` changes when
one is removed or renamed), instants are ISO 8601 with their offset, days ISO dates, amounts integer euro
cents, reasons and purposes stable codes. The gateway gathers it with the other services' into the
archive the household downloads (``GET /v1/households/{id}/export`` on the gateway).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx
from abri_kit.exports import HouseholdExport
from abri_matching.api.household_schemas import HouseholdOut
from abri_matching.api.households import out
from abri_matching.api.state import Keys
from abri_matching.usecases import export as exporting
from abri_matching.usecases.inventories import Exported

router = APIRouter(prefix="/v1/households", tags=["export"])
Exporter = Annotated[Principal, Depends(require_roles("social_worker", "household"))]


class ExportedRecord(HouseholdOut):
    """The household's record as its association registered it (facts in clear, used by the rules)."""

    association: str = Field(description="The association's organisation id.")
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None = Field(description="When its personal data were erased (its key destroyed), if they were.")


class ExportedIdentity(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None


class ExportedPersonalData(BaseModel):
    """The sealed part of the record, opened for the export (the opening is logged)."""

    identity: ExportedIdentity
    priority_situations: list[str]


class ExportedConsent(BaseModel):
    id: uuid.UUID
    purpose: str
    notice_version: str
    consented_at: datetime
    withdrawn_at: datetime | None


class ExportedStep(BaseModel):
    step: str
    from_status: str | None
    to_status: str
    actor_role: str
    at: datetime
    reason: str | None = Field(description="A coded reason (a decline or a withdrawal), never free text.")


class ExportedPlacement(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    scheme: str
    status: str
    guarantee_required: bool
    proposed_at: datetime
    answer_by: datetime
    lease_type: str | None
    lease_signed_on: date | None
    lease_starts_on: date | None
    next_review_by: date | None
    ended_at: datetime | None
    end_reason: str | None
    agreement_services: list[str] | None = Field(default=None, description="A cohabitation contract's small services, as agreed.")
    steps: list[ExportedStep]


class ExportedSuggestion(BaseModel):
    id: uuid.UUID
    run_id: uuid.UUID
    unit_id: uuid.UUID
    score: float
    status: str
    reviewed_at: datetime | None


class ExportedRead(BaseModel):
    id: str = Field(description="The entry's hash in the access log's chain.")
    at: datetime
    actor: str
    actor_org: str | None
    purpose: str


class ExportedItem(BaseModel):
    item: str
    condition: str
    note: str
    photos: list[uuid.UUID] = Field(description="The photos of this item (described in the inventory's photos).")


class ExportedRoom(BaseModel):
    room: str
    items: list[ExportedItem]


class ExportedMeter(BaseModel):
    meter: str
    number: str | None
    reading: str


class ExportedKeys(BaseModel):
    opens: str
    count: int


class ExportedPhoto(BaseModel):
    id: uuid.UUID
    item_id: uuid.UUID
    width: int
    height: int
    sha256: str = Field(description="The picture's SHA-256, as the signatures cover it.")
    added_at: datetime


class ExportedCompletionNote(BaseModel):
    room: str
    item: str
    note: str
    at: datetime | None = None


class ExportedInventory(BaseModel):
    """A move-in or move-out inventory of one of its placements, its content opened. Its photos are described here;
    the pictures themselves are on the inventory's page and in its PDF."""

    id: uuid.UUID
    placement_id: uuid.UUID
    inventory_kind: str
    made_on: date
    address: str | None = None
    landlord: str | None = None
    tenants: str | None = None
    new_address: str | None = None
    rooms: list[ExportedRoom] = Field(default_factory=list)
    meters: list[ExportedMeter] = Field(default_factory=list)
    keys: list[ExportedKeys] = Field(default_factory=list)
    photos: list[ExportedPhoto] = Field(default_factory=list)
    landlord_signed_at: datetime | None
    household_signed_at: datetime | None
    completion: list[ExportedCompletionNote] = Field(default_factory=list)
    content_deleted: bool = Field(description="Its retention ended: its content was deleted (its key destroyed); only its dates remain.")
    created_at: datetime
    updated_at: datetime


class MatchingExport(HouseholdExport):
    """Everything the matching service holds about one household."""

    service: Literal["matching"] = "matching"
    household: ExportedRecord
    personal_data: ExportedPersonalData | None = Field(description="Null once erased.")
    consents: list[ExportedConsent]
    placements: list[ExportedPlacement]
    suggestions: list[ExportedSuggestion]
    access_log: list[ExportedRead] = Field(description="Every read of the personal data, this export included, oldest first.")
    inventories: list[ExportedInventory] = Field(default_factory=list, description="The move-in and move-out inventories, oldest first.")
    documents: list[str] = Field(default_factory=list, description="Matching keeps no document.")


@router.get(
    "/{household_id}/export",
    summary="Everything matching holds about a household, as one JSON document (the household or its association; logged)",
)
async def export_household(household_id: uuid.UUID, _: Exporter, ctx: Ctx, keys: Keys) -> MatchingExport:
    found = await exporting.export_household(ctx, keys, household_id)
    household = found.household
    record = ExportedRecord(
        **out(household).model_dump(),
        association=household.org_id,
        created_at=household.created_at,
        updated_at=household.updated_at,
        erased_at=household.erased_at,
    )
    personal = (
        ExportedPersonalData(
            identity=ExportedIdentity(**found.personal.get("identity", {})),
            priority_situations=list(found.personal.get("priority_situations", [])),
        )
        if found.personal is not None
        else None
    )
    return MatchingExport(
        schema_version=exporting.SCHEMA_VERSION,
        generated_at=found.generated_at,
        household_id=household.id,
        household=record,
        personal_data=personal,
        consents=[ExportedConsent.model_validate(consent, from_attributes=True) for consent in found.consents],
        placements=[
            ExportedPlacement.model_validate(
                {
                    **{name: getattr(placement, name) for name in ExportedPlacement.model_fields if name != "steps"},
                    "steps": [ExportedStep.model_validate(step, from_attributes=True) for step in found.steps.get(placement.id, [])],
                }
            )
            for placement in found.placements
        ],
        suggestions=[ExportedSuggestion.model_validate(suggestion, from_attributes=True) for suggestion in found.suggestions],
        access_log=[
            ExportedRead(id=entry.hash, at=entry.at, actor=entry.actor, actor_org=entry.actor_org, purpose=entry.purpose)
            for entry in found.access_log
        ],
        inventories=[exported_inventory(item) for item in found.inventories],
    )


def exported_inventory(found: Exported) -> ExportedInventory:
    """One inventory as the export writes it (its photos by item; its completion's notes, each request's)."""
    inventory, content = found.inventory, found.content or {}
    by_item: dict[str, list[uuid.UUID]] = {}
    for photo in found.photos:
        by_item.setdefault(str(photo.item_id), []).append(photo.id)
    rooms = [
        ExportedRoom(
            room=room["name"],
            items=[
                ExportedItem(
                    item=item["name"], condition=item["condition"], note=item.get("note", ""), photos=by_item.get(str(item.get("id")), [])
                )
                for item in room.get("items", [])
            ],
        )
        for room in content.get("rooms", [])
    ]
    completion = found.completion or {}
    return ExportedInventory(
        id=inventory.id,
        placement_id=inventory.placement_id,
        inventory_kind=inventory.kind,
        made_on=inventory.made_on,
        **{name: content.get(name) for name in ("address", "landlord", "tenants", "new_address")},
        rooms=rooms,
        meters=[ExportedMeter(meter=m["kind"], number=m.get("number"), reading=m["reading"]) for m in content.get("meters", [])],
        keys=[ExportedKeys(opens=k["kind"], count=k["count"]) for k in content.get("keys", [])],
        photos=[ExportedPhoto.model_validate(photo, from_attributes=True) for photo in found.photos],
        landlord_signed_at=inventory.landlord_signed_at,
        household_signed_at=inventory.household_signed_at,
        completion=[ExportedCompletionNote.model_validate(note) for note in completion.get("notes", [])],
        content_deleted=found.content is None,
        created_at=inventory.created_at,
        updated_at=inventory.updated_at,
    )
