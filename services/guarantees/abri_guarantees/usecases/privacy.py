"""A guarantee file's personal data: sealed with the file's own data key, every read by a person logged.

The tenant's identity and situation are one sealed JSON value (``guarantee_files.personal``); messages
between the fund and the association are sealed with the same key (``file_steps.message``); the visa
holder's name is kept only as an HMAC under that key (``visas.holder_mac``). Deleting the file's key
row (``file_keys``) erases all of them at once, wherever the rows were copied.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from abri_guarantees.db.files import FileKey, GuaranteeFile
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.domain.visa import normalised_name
from abri_guarantees.settings import NAMESPACE
from abri_kit.envelope import Keyring, Unreadable, WrappedKey, open_bytes, open_json, seal_bytes, seal_json
from abri_kit.usecase import Context


def new_file_key(keyring: Keyring, file: GuaranteeFile) -> tuple[bytes, FileKey]:
    """A fresh data key for ``file`` and its wrapped row (to add in the same transaction)."""
    key = keyring.new_data_key()
    wrapped = keyring.wrap(key, str(file.id))
    return key, FileKey(file_id=file.id, kek_id=wrapped.kek_id, wrapped=wrapped.blob)


async def file_key(files: Files, keyring: Keyring, file_id: uuid.UUID) -> bytes:
    """The data key of a file the caller of ``files`` holds; :class:`Unreadable` once erased."""
    row = await files.key_of(file_id)
    if row is None:
        raise Unreadable("the file's key was erased")
    return keyring.unwrap(WrappedKey(row.kek_id, row.wrapped), str(file_id))


def seal_personal(key: bytes, file: GuaranteeFile, personal: dict[str, Any]) -> None:
    file.personal = seal_json(key, personal, str(file.id), NAMESPACE)


def open_personal(key: bytes, file: GuaranteeFile) -> dict[str, Any]:
    if file.personal is None:
        raise Unreadable("the file holds no personal data")
    return open_json(key, file.personal, str(file.id), NAMESPACE)


async def read_personal(ctx: Context, keyring: Keyring, file: GuaranteeFile, purpose: FileReadPurpose) -> dict[str, Any]:
    """The file's personal data for the caller, logged in the same transaction (who, when, which file, why)."""
    files = Files.of(ctx)
    opened = open_personal(await file_key(files, keyring, file.id), file)
    await files.log_read(file.id, ctx.principal, purpose, ctx.now)
    return opened


def seal_message(key: bytes, file_id: uuid.UUID, message: str) -> bytes:
    return seal_bytes(key, message.encode(), str(file_id), NAMESPACE, kind="message")


def open_message(key: bytes, file_id: uuid.UUID, sealed: bytes) -> str:
    return open_bytes(key, sealed, str(file_id), NAMESPACE, kind="message").decode()


def holder_mac(key: bytes, name: str) -> bytes:
    """The visa holder's normalised name under the file's key: comparable, not readable, erased with the key."""
    return hmac.new(key, normalised_name(name).encode(), hashlib.sha256).digest()
