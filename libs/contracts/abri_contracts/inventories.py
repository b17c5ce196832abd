"""Move-in and move-out inventories (états des lieux), as matching publishes them once both parties signed
(topic ``abri.matching.placement``, so that a placement's inventories follow its lease in order).

An inventory names each room, each item of a room and the item's condition on a five-step scale; how many
photos back each item. The free-text notes and the photos stay in matching: they show a person's home and
may name a person, so they never travel (loi 89-462 art. 3-2 and décret 2016-382 ask for the condition of
each room and item; ``docs/domain-rules.md``, "Move-in and move-out inventories"). The fund compares a
move-out inventory with its move-in one side by side (:func:`differences`): the same comparison the parties
see in matching, defined once here with the shape it compares.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from abri_contracts.base import contract
from abri_contracts.matching import PlacementEvent

InventoryKind = Literal["move_in", "move_out"]
Condition = Literal["new", "good", "fair", "poor", "unusable"]
"""Neuf, bon état, état d'usage, mauvais état, hors d'usage: the scale most inventories use (décret 2016-382
asks for a description of the condition, without a scale of its own)."""

CONDITIONS: tuple[Condition, ...] = ("new", "good", "fair", "poor", "unusable")
"""Best first: an item is worse when its condition comes later here."""


class InventoryItem(BaseModel):
    """One item of a room (floor, walls, a window, the oven...) and its condition."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    condition: Condition
    photos: int = Field(default=0, ge=0, description="How many photos back it (kept in matching).")


class InventoryRoom(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    items: list[InventoryItem] = Field(default_factory=list)


@contract
class InventorySigned(PlacementEvent):
    """Both parties signed an inventory of the placement's home: the fund keeps it to judge a damage claim."""

    event_type = "abri.matching.placement.inventory_signed.v1"
    aggregate_id_field = "placement_id"
    summary = "Both parties signed a move-in or move-out inventory of a placement's home."
    consumers = ("guarantees",)

    inventory_id: UUID
    kind: InventoryKind
    made_on: date = Field(description="The day the inventory was made (keys handed over or returned).")
    signed_at: datetime = Field(description="When the second party signed.")
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="The digest both parties signed (notes and photos included).")
    rooms: list[InventoryRoom]
    keys_handed: int = Field(ge=0, description="How many keys, badges and remotes were handed over (move-in) or returned (move-out).")


Change = Literal["same", "better", "worse", "missing", "added"]


@dataclass(frozen=True)
class Difference:
    """One item as the move-in inventory saw it and as the move-out one does (None: not in that inventory)."""

    room: str
    item: str
    before: Condition | None
    after: Condition | None

    @property
    def change(self) -> Change:
        if self.before is None:
            return "added"
        if self.after is None:
            return "missing"
        rank_before, rank_after = CONDITIONS.index(self.before), CONDITIONS.index(self.after)
        return "same" if rank_after == rank_before else "worse" if rank_after > rank_before else "better"


class ComparedItem(BaseModel):
    """One row of a comparison as an API answers it (matching's parties, the fund)."""

    room: str
    item: str
    before: Condition | None = Field(description="At move-in (null: not in the move-in inventory).")
    after: Condition | None = Field(description="At move-out (null: not in the move-out inventory).")
    change: Change

    @classmethod
    def of(cls, difference: Difference) -> ComparedItem:
        return cls(room=difference.room, item=difference.item, before=difference.before, after=difference.after, change=difference.change)


def _key(name: str) -> str:
    """A name as it pairs: its Unicode compatibility form (NFKC: a letter typed composed or decomposed is one),
    spaces collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def differences(move_in: Sequence[InventoryRoom], move_out: Sequence[InventoryRoom]) -> list[Difference]:
    """Every item of either inventory, paired by room and item name (case, spacing and Unicode form aside): in the move-in's
    order, then what only the move-out has. Two items of one room with the same name pair in their order."""
    before: dict[tuple[str, str], list[tuple[str, str, Condition]]] = {}
    for room in move_in:
        for item in room.items:
            before.setdefault((_key(room.name), _key(item.name)), []).append((room.name, item.name, item.condition))
    after: dict[tuple[str, str], list[tuple[str, str, Condition]]] = {}
    order: list[tuple[str, str]] = list(before)
    for room in move_out:
        for item in room.items:
            key = (_key(room.name), _key(item.name))
            if key not in before and key not in after:
                order.append(key)
            after.setdefault(key, []).append((room.name, item.name, item.condition))
    out: list[Difference] = []
    for key in order:
        was, now = before.get(key, []), after.get(key, [])
        for index in range(max(len(was), len(now))):
            named = was[index] if index < len(was) else now[index]
            out.append(
                Difference(
                    room=named[0],
                    item=named[1],
                    before=was[index][2] if index < len(was) else None,
                    after=now[index][2] if index < len(now) else None,
                )
            )
    return out
