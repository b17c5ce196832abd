"""Sealing an inventory's content, its completion and its photos with the inventory's own data key.

The key lives in the key store (namespace ``inventory``, outside the data backups), wrapped by the service's
KEK, one per inventory: an inventory outlives its household's erasure (it is the lease's evidence, kept for
its own period, ``domain/retention.py``) and is shredded with the inventory when that period is over.
Each sealed value is bound to its inventory (and a photo to itself), so bytes moved to another row do not open.
"""

from __future__ import annotations

import uuid
from typing import Any

from abri_kit.envelope import KeyEncryption, open_bytes, open_json, seal_bytes, seal_json
from abri_kit.keystore import PersonalKeys
from abri_matching.settings import INVENTORY_NAMESPACE


def _keys(keyring: KeyEncryption) -> PersonalKeys:
    return PersonalKeys(keyring.in_namespace(INVENTORY_NAMESPACE))


async def new_key(keyring: KeyEncryption, inventory_id: uuid.UUID) -> bytes:
    """A fresh key for a new inventory, stored (wrapped) before anything is sealed with it."""
    return await _keys(keyring).create(str(inventory_id))


async def key_of(keyring: KeyEncryption, inventory_id: uuid.UUID) -> bytes:
    """The key of an inventory the caller found; :class:`~abri_kit.envelope.Unreadable` once shredded."""
    return await _keys(keyring).require(str(inventory_id))


def seal_content(key: bytes, inventory_id: uuid.UUID, content: dict[str, Any], what: str = "content") -> bytes:
    return seal_json(key, {what: content}, f"{inventory_id}/{what}", INVENTORY_NAMESPACE)


def open_content(key: bytes, inventory_id: uuid.UUID, sealed: bytes, what: str = "content") -> dict[str, Any]:
    opened: dict[str, Any] = open_json(key, sealed, f"{inventory_id}/{what}", INVENTORY_NAMESPACE)[what]
    return opened


def seal_photo(key: bytes, inventory_id: uuid.UUID, photo_id: uuid.UUID, data: bytes) -> bytes:
    return seal_bytes(key, data, f"{inventory_id}/{photo_id}", INVENTORY_NAMESPACE, kind="photo")


def open_photo(key: bytes, inventory_id: uuid.UUID, photo_id: uuid.UUID, sealed: bytes) -> bytes:
    return open_bytes(key, sealed, f"{inventory_id}/{photo_id}", INVENTORY_NAMESPACE, kind="photo")
