"""Request and response bodies of the inventories API (états des lieux)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from abri_contracts.inventories import ComparedItem, Condition, InventoryKind
from abri_kit.input import Input
from abri_matching.usecases.inventories import InventoryView

Meter = Literal["electricity", "gas", "cold_water", "hot_water", "heating"]


class ItemIn(Input):
    id: uuid.UUID | None = Field(
        default=None, description="The item's id (kept across edits, so that its photos stay); new items leave it out."
    )
    name: str = Field(min_length=1, max_length=80, description="Floor, walls, window, oven...")
    condition: Condition = Field(description="new, good, fair (état d'usage), poor or unusable.")
    note: str = Field(default="", max_length=1000, description="What the condition means here (a stain, a crack): stays in Abri.")


class RoomIn(Input):
    name: str = Field(min_length=1, max_length=80)
    items: list[ItemIn] = Field(max_length=60)


class MeterIn(Input):
    kind: Meter
    number: str | None = Field(default=None, max_length=40, description="The meter's number, as printed on it.")
    reading: str = Field(pattern=r"^\d{1,12}([.,]\d{1,3})?$", max_length=16, description="The index read (décret 2016-382).")


class KeysIn(Input):
    kind: str = Field(min_length=1, max_length=60, description="What they open: front door, letter box, badge...")
    count: int = Field(ge=0, le=50)


class ContentIn(Input):
    address: str | None = Field(
        default=None, max_length=300, description="The home's address, as the inventory states it (décret 2016-382)."
    )
    landlord: str | None = Field(
        default=None, max_length=200, description="The landlord's name and domicile (or its agent's), as the inventory states them."
    )
    tenants: str | None = Field(default=None, max_length=300, description="The tenants' names, as the inventory states them.")
    rooms: list[RoomIn] = Field(min_length=1, max_length=60)
    meters: list[MeterIn] = Field(default_factory=list, max_length=10)
    keys: list[KeysIn] = Field(default_factory=list, max_length=20)
    new_address: str | None = Field(
        default=None,
        max_length=300,
        description="Move-out: the household's new address, which the move-out inventory states (décret 2016-382).",
    )

    def content(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include={"address", "landlord", "tenants", "rooms", "meters", "keys", "new_address"})


class InventoryIn(ContentIn):
    kind: InventoryKind
    made_on: date = Field(description="The day the keys are handed over (move-in) or returned (move-out).")


class InventoryUpdate(ContentIn):
    made_on: date
    version: int = Field(ge=1, le=1_000_000, description="The version read: refused (412) if the inventory changed meanwhile.")


class SignatureIn(Input):
    content_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="The digest of the content read and signed (InventoryOut.content_sha256)."
    )


class CompletionNote(Input):
    room: str = Field(min_length=1, max_length=80)
    item: str = Field(min_length=1, max_length=80)
    note: str = Field(min_length=1, max_length=1000, description="What the inventory should have said.")


class CompletionIn(Input):
    notes: list[CompletionNote] = Field(min_length=1, max_length=50)


class ItemOut(BaseModel):
    id: uuid.UUID
    name: str
    condition: Condition
    note: str
    photos: list[uuid.UUID]


class RoomOut(BaseModel):
    name: str
    items: list[ItemOut]


class PhotoOut(BaseModel):
    id: uuid.UUID
    item_id: uuid.UUID
    width: int
    height: int
    sha256: str
    added_at: datetime


class ComparisonOut(BaseModel):
    move_in_id: uuid.UUID
    move_in_made_on: date
    conforming: bool = Field(description="Nothing worse and nothing missing at move-out.")
    deposit_due_by: date | None = Field(description="Once signed: the last day to return the deposit (loi 89-462, art. 22: 1 month, or 2).")
    rows: list[ComparedItem]


class InventorySummary(BaseModel):
    id: uuid.UUID
    placement_id: uuid.UUID
    kind: InventoryKind
    made_on: date
    status: Literal["draft", "signed"]
    landlord_signed_at: datetime | None
    household_signed_at: datetime | None
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, inventory: Any) -> InventorySummary:
        return cls(
            id=inventory.id,
            placement_id=inventory.placement_id,
            kind=inventory.kind,
            made_on=inventory.made_on,
            status="signed" if inventory.signed else "draft",
            landlord_signed_at=inventory.landlord_signed_at,
            household_signed_at=inventory.household_signed_at,
            updated_at=inventory.updated_at,
            version=inventory.version,
        )


class InventoryOut(InventorySummary):
    content_sha256: str = Field(description="What a party signs: the content and its photos' digests.")
    rooms: list[RoomOut]
    meters: list[MeterIn]
    keys: list[KeysIn]
    new_address: str | None
    address: str | None
    landlord: str | None
    tenants: str | None
    landlord_signed_role: str | None = Field(description="owner or social_worker (the association).")
    landlord_roles: list[str] = Field(description="Who signs for the landlord under this lease.")
    can_sign_as: list[Literal["landlord", "household"]] = Field(description="The sides the caller fills in and signs for.")
    completion: list[CompletionNote] | None = Field(description="What the household asked to complete (move-in, within 10 days).")
    completion_asked_at: datetime | None
    completion_until: date | None = Field(description="Move-in: the last day the household may ask for a completion.")
    comparison: ComparisonOut | None = Field(description="Move-out: beside its move-in inventory.")

    @classmethod
    def of_view(cls, view: InventoryView) -> InventoryOut:
        inventory, content = view.inventory, view.content
        by_item: dict[str, list[uuid.UUID]] = {}
        for photo in view.photos:
            by_item.setdefault(str(photo.item_id), []).append(photo.id)
        comparison = view.comparison
        return cls(
            **InventorySummary.of(inventory).model_dump(),
            content_sha256=inventory.content_sha256,
            rooms=[
                RoomOut(name=r["name"], items=[ItemOut(**i, photos=by_item.get(i["id"], [])) for i in r["items"]]) for r in content["rooms"]
            ],
            meters=[MeterIn.model_validate(m) for m in content.get("meters", [])],
            keys=[KeysIn.model_validate(k) for k in content.get("keys", [])],
            new_address=content.get("new_address"),
            address=content.get("address"),
            landlord=content.get("landlord"),
            tenants=content.get("tenants"),
            landlord_signed_role=inventory.landlord_signed_role,
            landlord_roles=sorted(view.sign_roles),
            can_sign_as=sorted(side.value for side in view.sides),
            completion=[CompletionNote.model_validate(n) for n in view.completion["notes"]] if view.completion else None,
            completion_asked_at=inventory.completion_asked_at,
            completion_until=view.completion_until,
            comparison=None
            if comparison is None
            else ComparisonOut(
                move_in_id=comparison.move_in_id,
                move_in_made_on=comparison.move_in_made_on,
                conforming=comparison.conforming,
                deposit_due_by=comparison.deposit_due_by,
                rows=[ComparedItem.of(d) for d in comparison.rows],
            ),
        )
