"""The rules of a move-in or move-out inventory (état des lieux). Pure.

An inventory is made jointly by the two parties of the lease when the keys are handed over and when they
are returned (loi 89-462, art. 3-2): the landlord's side (the owner; under a sub-let or a sliding lease, the
association, which is the household's landlord; under a management mandate either of them) and the
household. Each signs the same content: its digest (:func:`content_digest`) covers every room, item,
condition, note, meter reading, key and photo, so an edit after a signature voids it and both sign again.
Once both signed it is closed; the household may still ask, within ``completion_days`` of the move-in
inventory, that it be completed (art. 3-2), which is recorded beside it, never written into what was signed.

The numbers are :class:`InventoryPolicy`'s (``docs/domain-rules.md``, "Move-in and move-out inventories").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from abri_contracts.inventories import Difference
from abri_matching.domain.leases import TENANT_FORMS, Refusal, add_months, refusal


class Side(StrEnum):
    """Who signs: the landlord's side or the household."""

    LANDLORD = "landlord"
    HOUSEHOLD = "household"


READ_PURPOSE = "inventory"
"""The access log's purpose when a person other than the household reads an inventory (its notes, its photos)."""

LETTABLE = frozenset({"lease_signed", "slid"})
"""Placements whose lease is signed: only they have a home to inventory."""


@dataclass(frozen=True)
class InventoryPolicy:
    """Numbers of inventories, each with its source (``docs/domain-rules.md``)."""

    completion_days: int = 10
    """Loi 89-462, art. 3-2: the tenant may ask, within 10 days of its making, that the move-in inventory be completed."""
    deposit_months_conforming: int = 1
    """Loi 89-462, art. 22: the deposit is returned within one month of the keys' return when the move-out
    inventory conforms to the move-in one..."""
    deposit_months_otherwise: int = 2
    """... and within two months otherwise."""
    max_rooms: int = 30
    max_items_per_room: int = 40
    max_photos_per_item: int = 6
    max_photos: int = 200
    """Abri's bounds (not the law's): what a phone can fill in one visit, and what a PDF can carry."""
    max_upload_bytes: int = 10 * 1024 * 1024
    """A phone's photo is 2 to 8 MB; the gateway takes API bodies up to 12 MiB (its ``max_body_bytes``)."""
    max_pixels: int = 50_000_000
    """A photo larger than this is refused before it is decoded (a decompression bomb)."""
    long_edge_px: int = 1600
    """Photos are kept at most this long on their long edge (enough to see a stain, small enough for a PDF)."""
    jpeg_quality: int = 80


def landlord_roles(lease_type: str | None, under_mandate: bool | None, slid: bool = False) -> frozenset[str]:
    """The roles that may fill and sign for the landlord: the association under a sub-let or a sliding lease not yet
    slid (it is the household's landlord), the owner under a direct lease and once a sliding lease slid (the household
    is then its tenant), either under a management mandate."""
    if slid:
        return frozenset({"owner"})
    if lease_type in TENANT_FORMS:
        return frozenset({"social_worker"})
    return frozenset({"owner", "social_worker"}) if under_mandate else frozenset({"owner"})


@dataclass(frozen=True)
class OpeningFacts:
    """What deciding whether an inventory may be begun looks at."""

    kind: str
    made_on: date
    today: date
    placement_status: str
    lease_signed_on: date | None
    existing_kinds: Collection[str]
    move_in_made_on: date | None
    """The day of the placement's move-in inventory, when it has one."""
    move_in_signed: bool = True
    """Whether that move-in inventory is signed by both (a move-out is compared with a signed one only)."""
    move_out_made_on: date | None = None
    """For a move-in: the day of the placement's move-out inventory, when it has one."""


def opening_refusals(facts: OpeningFacts) -> list[Refusal]:
    """Why an inventory may not be begun (none: it may). One of each kind per placement, after the lease is
    signed, on a day that has come, a move-out not before the move-in."""
    if facts.placement_status not in LETTABLE or facts.lease_signed_on is None:
        return [refusal("inventory_without_lease", "an inventory is made for a signed lease", placement_status=facts.placement_status)]
    out: list[Refusal] = []
    if facts.kind in facts.existing_kinds:
        out.append(refusal("inventory_exists", f"the placement already has a {facts.kind.replace('_', '-')} inventory", kind=facts.kind))
    if facts.made_on > facts.today:
        out.append(
            refusal("inventory_in_future", "an inventory is dated the day it is made", fields=("made_on",), today=facts.today.isoformat())
        )
    if facts.made_on < facts.lease_signed_on:
        out.append(
            refusal(
                "inventory_before_lease",
                f"an inventory is made when the keys are handed over, not before the lease (signed {facts.lease_signed_on.isoformat()})",
                fields=("made_on",),
                lease_signed_on=facts.lease_signed_on.isoformat(),
            )
        )
    if facts.kind == "move_in" and "move_out" in facts.existing_kinds:
        out.append(refusal("move_out_exists", "the lease has its move-out inventory already: a move-in one is no longer begun"))
    if facts.kind == "move_out" and facts.move_in_made_on is not None and not facts.move_in_signed:
        out.append(refusal("move_in_not_signed", "the move-in inventory is signed by both sides before the move-out one is begun"))
    if facts.kind == "move_in" and facts.move_out_made_on is not None and facts.made_on > facts.move_out_made_on:
        out.append(
            refusal(
                "move_in_after_move_out",
                f"the move-in inventory cannot follow the move-out one of {facts.move_out_made_on.isoformat()}",
                fields=("made_on",),
                move_out_made_on=facts.move_out_made_on.isoformat(),
            )
        )
    if facts.kind == "move_out" and facts.move_in_made_on is not None and facts.made_on < facts.move_in_made_on:
        out.append(
            refusal(
                "move_out_before_move_in",
                f"the move-out inventory cannot precede the move-in one of {facts.move_in_made_on.isoformat()}",
                fields=("made_on",),
                move_in_made_on=facts.move_in_made_on.isoformat(),
            )
        )
    return out


def content_refusals(rooms: Sequence[Mapping[str, Any]], policy: InventoryPolicy) -> list[Refusal]:
    """Bounds on what an inventory holds: rooms, items per room, distinct item ids."""
    out: list[Refusal] = []
    if len(rooms) > policy.max_rooms:
        out.append(refusal("too_many_rooms", f"at most {policy.max_rooms} rooms", fields=("rooms",), max_rooms=policy.max_rooms))
    ids: list[str] = [str(item["id"]) for room in rooms for item in room.get("items", [])]
    if any(len(room.get("items", [])) > policy.max_items_per_room for room in rooms):
        out.append(
            refusal(
                "too_many_items",
                f"at most {policy.max_items_per_room} items a room",
                fields=("rooms",),
                max_items=policy.max_items_per_room,
            )
        )
    if len(set(ids)) != len(ids):
        out.append(refusal("duplicate_item_id", "each item has its own id", fields=("rooms",)))
    return out


def signing_refusals(side: Side, signed_sides: Collection[str], digest: str, seen_digest: str) -> list[Refusal]:
    """Why a party may not sign (none: it may): it signs what it saw, once."""
    if seen_digest != digest:
        return [
            refusal(
                "inventory_changed", "the inventory changed since it was read: read it again before signing", fields=("content_sha256",)
            )
        ]
    if side.value in signed_sides:
        return [refusal("already_signed", f"the {side.value} side signed this inventory already", side=side.value)]
    return []


def completion_open_until(established_on: date, policy: InventoryPolicy) -> date:
    """The last day the household may ask that a move-in inventory be completed (art. 3-2: within 10 days of its
    establishment: the day the second side signed it, the household's only from then on)."""
    return established_on + timedelta(days=policy.completion_days)


def completion_refusals(kind: str, established_on: date | None, today: date, policy: InventoryPolicy) -> list[Refusal]:
    """Why the household may not ask for a completion (none: it may); ``established_on``: the day both sides had
    signed it (None: not yet)."""
    if kind != "move_in":
        return [refusal("completion_of_move_in_only", "only the move-in inventory may be completed", kind=kind)]
    if established_on is None:
        return [refusal("completion_before_signatures", "an inventory not yet signed is corrected, not completed")]
    until = completion_open_until(established_on, policy)
    if today > until:
        return [
            refusal(
                "completion_too_late",
                f"a completion is asked within {policy.completion_days} days of the inventory: until {until.isoformat()}",
                completion_days=policy.completion_days,
                until=until.isoformat(),
            )
        ]
    return []


def conforms(found: Sequence[Difference]) -> bool:
    """The move-out inventory conforms to the move-in one: nothing worse, nothing missing."""
    return all(d.change in ("same", "better", "added") for d in found)


def deposit_due_by(keys_returned_on: date, conforming: bool, policy: InventoryPolicy) -> date:
    """The last day to return the deposit (art. 22): one month after the keys' return if the inventories
    conform, two months otherwise."""
    return add_months(keys_returned_on, policy.deposit_months_conforming if conforming else policy.deposit_months_otherwise)


def content_digest(content: Mapping[str, Any], photos: Mapping[str, Sequence[str]]) -> str:
    """SHA-256 of the inventory as signed: its content in canonical JSON (sorted keys, no spaces), each item's
    photos by their own SHA-256 in order."""
    canonical = json.dumps(
        {"content": content, "photos": {k: list(v) for k, v in sorted(photos.items())}}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
