"""Envelope encryption (AES-256-GCM) of each household's personal data.

Each household has its own random data key; its personal data are sealed with it. The data key is
stored only wrapped (encrypted) by a key-encryption key (KEK) from configuration, never in the clear.
Destroying a household's wrapped data key makes its sealed data unreadable wherever a copy lives
(backups included): crypto-shredding. Every ciphertext is bound to its household by the associated
data, so a blob copied onto another household does not open. AES-GCM per the CNIL security guide (2024).

KEKs are named (``kid``): data keys are wrapped by the current KEK and unwrapped by the one they name,
so that a new KEK can be introduced and old data keys re-wrapped without touching the sealed data.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32


class KeyringError(ValueError):
    """The configured key-encryption keys are malformed."""


class Unreadable(Exception):
    """A sealed value or a wrapped key does not open (wrong key, destroyed key, or altered bytes)."""


@dataclass(frozen=True)
class WrappedKey:
    """A household's data key, encrypted by the KEK named ``kek_id``."""

    kek_id: str
    blob: bytes


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise Unreadable("the value does not open with this key") from exc


class Keyring:
    """The key-encryption keys: ``{kid: 32-byte key}``, the first one current."""

    def __init__(self, keks: dict[str, bytes], current: str) -> None:
        if current not in keks:
            raise KeyringError(f"the current KEK {current!r} is not in the keyring")
        for kid, key in keks.items():
            if len(key) != KEY_BYTES:
                raise KeyringError(f"KEK {kid!r} must be {KEY_BYTES} bytes, not {len(key)}")
        self._keks = dict(keks)
        self.current = current

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """``kid:base64key[,kid:base64key...]``, the first one current (``ABRI_MATCHING_KEKS``)."""
        keks: dict[str, bytes] = {}
        for part in (piece.strip() for piece in text.split(",") if piece.strip()):
            kid, _, encoded = part.partition(":")
            if not kid or not encoded:
                raise KeyringError("each KEK is written kid:base64key")
            try:
                keks[kid] = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeyringError(f"KEK {kid!r} is not base64") from exc
        if not keks:
            raise KeyringError("no KEK configured")
        return cls(keks, next(iter(keks)))

    @staticmethod
    def generate_entry(kid: str) -> str:
        """A new ``kid:base64key`` entry (for ``make run`` and for ops adding a KEK)."""
        return f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"

    def new_data_key(self) -> bytes:
        return os.urandom(KEY_BYTES)

    def wrap(self, data_key: bytes, owner: str) -> WrappedKey:
        """The data key of ``owner`` (a household id) wrapped by the current KEK."""
        return WrappedKey(self.current, _seal(self._keks[self.current], data_key, _aad("dk", owner, self.current)))

    def unwrap(self, wrapped: WrappedKey, owner: str) -> bytes:
        key = self._keks.get(wrapped.kek_id)
        if key is None:
            raise Unreadable(f"KEK {wrapped.kek_id!r} is not configured")
        return _open(key, wrapped.blob, _aad("dk", owner, wrapped.kek_id))

    def rewrap(self, wrapped: WrappedKey, owner: str) -> WrappedKey:
        """The same data key wrapped by the current KEK (KEK rotation; the sealed data stay as they are)."""
        return self.wrap(self.unwrap(wrapped, owner), owner)


def seal_json(data_key: bytes, value: dict[str, Any], owner: str) -> bytes:
    """``value`` as JSON, sealed with the household's data key and bound to it."""
    return _seal(data_key, json.dumps(value, sort_keys=True, default=str).encode(), _aad("data", owner, ""))


def open_json(data_key: bytes, sealed: bytes, owner: str) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(_open(data_key, sealed, _aad("data", owner, "")))
    return opened


def _aad(kind: str, owner: str, kek_id: str) -> bytes:
    return f"abri:household:{owner}:{kind}:{kek_id}".encode()
