"""A guarantee file's personal data: sealed with the file's own data key, every read by a person logged.

The tenant's identity and situation are one sealed JSON value (``guarantee_files.personal``); messages
between the fund and the association are sealed with the same key (``file_steps.message``); the visa
holder's name is kept only as an HMAC under that key (``visas.holder_mac``). The key lives in the key store
(:mod:`abri_kit.keystore`, namespace ``guarantee-file``, outside the data backups), wrapped by the service's
KEK: shredding it (``db/repositories/erasure.py``) erases all of them at once, wherever the rows were copied.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

from abri_guarantees.db.files import GuaranteeFile
from abri_guarantees.db.repositories.files import Files
from abri_guarantees.domain.access import FileReadPurpose
from abri_guarantees.domain.visa import normalised_name
from abri_guarantees.settings import NAMESPACE
from abri_guarantees.usecases.consent import require_for_reading
from abri_kit.envelope import KeyEncryption, Unreadable, open_bytes, open_json, seal_bytes, seal_json
from abri_kit.keystore import PersonalKeys
from abri_kit.usecase import Context


async def new_file_key(keyring: KeyEncryption, file: GuaranteeFile) -> bytes:
    """A fresh data key for ``file``, stored (wrapped, committed) in the key store before anything is sealed
    with it: a key without data is harmless, data without a key would be lost."""
    return await PersonalKeys(keyring).create(str(file.id))


async def file_key(files: Files, keyring: KeyEncryption, file_id: uuid.UUID) -> bytes:
    """The data key of a file the caller of ``files`` holds (found through that repository); :class:`Unreadable`
    once erased (its key shredded in the key store)."""
    del files  # the key store is the service's own: the caller's scope was applied when the file was found
    return await PersonalKeys(keyring).require(str(file_id))


def seal_personal(key: bytes, file: GuaranteeFile, personal: dict[str, Any]) -> None:
    file.personal = seal_json(key, personal, str(file.id), NAMESPACE)


def open_personal(key: bytes, file: GuaranteeFile) -> dict[str, Any]:
    if file.personal is None:
        raise Unreadable("the file holds no personal data")
    return open_json(key, file.personal, str(file.id), NAMESPACE)


async def read_personal(ctx: Context, keyring: KeyEncryption, file: GuaranteeFile, purpose: FileReadPurpose) -> dict[str, Any]:
    """The file's personal data for the caller, logged in the same transaction (who, when, which file, why);
    a fund's agent only while the household's consent to its guarantee file is in force (403)."""
    await require_for_reading(ctx, file)
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
