"""Envelope encryption (AES-256-GCM) of personal data, each owner's under a data key of its own.

An owner (a household in matching, a guarantee file in guarantees) has its own random data key; its
personal data are sealed with it. The data key is stored only wrapped (encrypted) by a key-encryption
key (KEK) from configuration, never in the clear. Destroying an owner's wrapped data key makes its
sealed data unreadable wherever a copy lives (backups included): crypto-shredding. Every ciphertext is
bound to its owner by the associated data, so a blob copied onto another owner does not open. AES-GCM
per the CNIL security guide (2024).

The associated data are ``abri:{namespace}:{owner}:{kind}:{kek_id}``: the namespace names what owners
are (``household``, ``file``), so that an owner id of one kind never opens another kind's data; ``kind``
is ``dk`` for a wrapped data key (with the KEK's id), ``data`` for sealed JSON, or a document kind of
the service's for sealed bytes (with an empty KEK id). Matching's households were sealed with the
namespace ``household`` before this module moved here: the layout is theirs, unchanged, and must stay so.

KEKs are named (``kid``): data keys are wrapped by the current KEK and unwrapped by the one they name,
so that a new KEK can be introduced and old data keys re-wrapped without touching the sealed data.

Who holds the KEKs is behind :class:`KeyEncryption` (asynchronous: wrap, unwrap, rewrap, the current KEK's
id): :class:`Keyring`, the KEKs from the service's configuration (``ABRI_<SERVICE>_KEKS``, the default), or
``abri_kit.transit.TransitKeys``, a Vault-compatible transit engine that keeps its key to itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32
_WRAPPED_KEY = "dk"
_JSON = "data"


class KeyringError(ValueError):
    """The configured key-encryption keys are malformed."""


class Unreadable(Exception):
    """A sealed value or a wrapped key does not open (wrong key, destroyed key, or altered bytes)."""


class KeyServiceError(RuntimeError):
    """The key-encryption service (a Vault transit engine) is unreachable, or refused the request (its token,
    its policy, a missing key): nothing was wrapped or opened, so nothing was written; the request may be
    retried once the service answers (a 503 to a client)."""


@dataclass(frozen=True)
class WrappedKey:
    """An owner's data key, encrypted by the KEK named ``kek_id``."""

    kek_id: str
    blob: bytes


Probe = Callable[[float], Awaitable[str | None]]
"""A readiness check: given a timeout, None when ready, else the reason."""


class KeyEncryption(ABC):
    """Who wraps data keys for one namespace (asynchronous: the KEK may live in another process)."""

    namespace: str

    def new_data_key(self) -> bytes:
        return os.urandom(KEY_BYTES)

    @abstractmethod
    async def wrap(self, data_key: bytes, owner: str) -> WrappedKey:
        """The data key of ``owner`` (a household id, a file id) wrapped by the current KEK, bound to the owner."""

    @abstractmethod
    async def unwrap(self, wrapped: WrappedKey, owner: str) -> bytes:
        """The data key; :class:`Unreadable` if it does not open (wrong owner, unknown KEK, altered bytes),
        :class:`KeyServiceError` if the key service cannot be asked."""

    async def rewrap(self, wrapped: WrappedKey, owner: str) -> WrappedKey:
        """The same data key wrapped by the current KEK (KEK rotation; the sealed data stay as they are)."""
        return await self.wrap(await self.unwrap(wrapped, owner), owner)

    @abstractmethod
    async def current_kek(self) -> str:
        """The id of the KEK new wraps use (``kek_id`` of what :meth:`wrap` returns now)."""

    @abstractmethod
    def in_namespace(self, namespace: str) -> KeyEncryption:
        """The same KEKs for another of the service's namespaces."""

    def readiness(self) -> Mapping[str, Probe]:
        """Checks for the service's ``/readyz`` (none for KEKs held in the process)."""
        return {}

    async def aclose(self) -> None:  # noqa: B027 (nothing to release for most)
        """Release connections (this event loop's)."""


class Keyring(KeyEncryption):
    """The key-encryption keys of one namespace: ``{kid: 32-byte key}``, ``current`` wrapping new keys."""

    def __init__(self, keks: dict[str, bytes], current: str, namespace: str) -> None:
        _check_label("namespace", namespace)
        if current not in keks:
            raise KeyringError(f"the current KEK {current!r} is not in the keyring")
        for kid, key in keks.items():
            if len(key) != KEY_BYTES:
                raise KeyringError(f"KEK {kid!r} must be {KEY_BYTES} bytes, not {len(key)}")
        self._keks = dict(keks)
        self.current = current
        self.namespace = namespace

    @classmethod
    def parse(cls, text: str, namespace: str, variable: str = "the KEK list") -> Keyring:
        """``kid:base64key[,kid:base64key...]``, the first one current; ``variable`` (``ABRI_MATCHING_KEKS``)
        names where the text came from, in error messages only."""
        keks: dict[str, bytes] = {}
        for part in (piece.strip() for piece in text.split(",") if piece.strip()):
            kid, _, encoded = part.partition(":")
            if not kid or not encoded:
                raise KeyringError(f"{variable}: each KEK is written kid:base64key")
            try:
                keks[kid] = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeyringError(f"{variable}: KEK {kid!r} is not base64") from exc
        if not keks:
            raise KeyringError(f"{variable}: no KEK configured")
        try:
            return cls(keks, next(iter(keks)), namespace)
        except KeyringError as exc:
            raise KeyringError(f"{variable}: {exc}") from exc

    @staticmethod
    def generate_entry(kid: str) -> str:
        """A new ``kid:base64key`` entry (for ``make run`` and for ops adding a KEK)."""
        return f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"

    def entries(self) -> str:
        """The keyring as ``kid:base64key,...`` (current first): what :meth:`parse` reads."""
        ordered = [self.current, *(kid for kid in self._keks if kid != self.current)]
        return ",".join(f"{kid}:{base64.b64encode(self._keks[kid]).decode()}" for kid in ordered)

    def in_namespace(self, namespace: str) -> Keyring:
        """The same KEKs for another of the service's namespaces."""
        return Keyring(self._keks, self.current, namespace)

    def has(self, kek_id: str) -> bool:
        return kek_id in self._keks

    async def current_kek(self) -> str:
        return self.current

    async def wrap(self, data_key: bytes, owner: str) -> WrappedKey:
        return self.wrap_now(data_key, owner)

    async def unwrap(self, wrapped: WrappedKey, owner: str) -> bytes:
        return self.unwrap_now(wrapped, owner)

    def wrap_now(self, data_key: bytes, owner: str) -> WrappedKey:
        """:meth:`wrap`, synchronously (the KEKs are in the process)."""
        aad = _aad(self.namespace, owner, _WRAPPED_KEY, self.current)
        return WrappedKey(self.current, _seal(self._keks[self.current], data_key, aad))

    def unwrap_now(self, wrapped: WrappedKey, owner: str) -> bytes:
        """:meth:`unwrap`, synchronously."""
        key = self._keks.get(wrapped.kek_id)
        if key is None:
            raise Unreadable(f"KEK {wrapped.kek_id!r} is not configured")
        return _open(key, wrapped.blob, _aad(self.namespace, owner, _WRAPPED_KEY, wrapped.kek_id))


def seal_json(data_key: bytes, value: dict[str, Any], owner: str, namespace: str) -> bytes:
    """``value`` as JSON, sealed with the owner's data key and bound to the owner."""
    plaintext = json.dumps(value, sort_keys=True, default=str).encode()
    return _seal(data_key, plaintext, _aad(namespace, owner, _JSON, ""))


def open_json(data_key: bytes, sealed: bytes, owner: str, namespace: str) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(_open(data_key, sealed, _aad(namespace, owner, _JSON, "")))
    return opened


def seal_bytes(data_key: bytes, plaintext: bytes, owner: str, namespace: str, kind: str = "blob") -> bytes:
    """A raw document (a scan, a PDF), sealed with the owner's data key and bound to the owner and to
    ``kind`` (a word of the service's: a document of one kind does not open as another)."""
    return _seal(data_key, plaintext, _aad(namespace, owner, _document_kind(kind), ""))


def open_bytes(data_key: bytes, sealed: bytes, owner: str, namespace: str, kind: str = "blob") -> bytes:
    return _open(data_key, sealed, _aad(namespace, owner, _document_kind(kind), ""))


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise Unreadable("the value does not open with this key") from exc


def _aad(namespace: str, owner: str, kind: str, kek_id: str) -> bytes:
    _check_label("namespace", namespace)
    return f"abri:{namespace}:{owner}:{kind}:{kek_id}".encode()


def _document_kind(kind: str) -> str:
    _check_label("kind", kind)
    if kind in (_WRAPPED_KEY, _JSON):
        raise ValueError(f"the kind {kind!r} is reserved (wrapped keys, sealed JSON)")
    return kind


def _check_label(what: str, value: str) -> None:
    """A word of the associated data: a colon in it would let two different layouts read the same."""
    if not value or ":" in value:
        raise ValueError(f"the {what} must be a non-empty word without ':', not {value!r}")
