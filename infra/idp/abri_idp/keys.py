"""RS256 signing keys persisted in ``<ABRI_IDP_DIR>/signing-keys.json`` (mode 0600), so tokens survive a restart.

The newest key signs; the JWKS publishes it and the one before it, so tokens signed before a rotation stay
valid until they expire. A running provider notices a rotation made by another process (``rotate-keys``)
on its next signature or JWKS request.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, RSAKey

from abri_idp.credentials import locked, write_private_file

KEYS_FILE = "signing-keys.json"
ALGORITHM = "RS256"
PUBLISHED = 2
"""How many keys the JWKS publishes: the signing key and the previous one."""


def new_key() -> RSAKey:
    """A fresh 2048-bit RSA key whose ``kid`` is its RFC 7638 thumbprint."""
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM}, private=True, auto_kid=True)


def _save(path: Path, keys: list[RSAKey]) -> None:
    data = {"keys": [key.as_dict(private=True) for key in keys]}
    write_private_file(path, json.dumps(data, indent=2) + "\n")


def _load(path: Path) -> list[RSAKey]:
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = [RSAKey.import_key(item) for item in data["keys"]]
    if not keys:
        raise ValueError(f"{path} holds no key")
    return keys


def ensure_keys(directory: Path) -> Path:
    """Create the key file with one key if it does not exist yet; return its path."""
    path = directory / KEYS_FILE
    with locked(directory):
        if not path.exists():
            _save(path, [new_key()])
    return path


def rotate_keys(directory: Path) -> tuple[str, list[str]]:
    """Add a new signing key, keep the previous one published, drop older ones: (new kid, published kids)."""
    path = ensure_keys(directory)
    with locked(directory):
        keys = [*_load(path), new_key()][-PUBLISHED:]
        _save(path, keys)
    return str(keys[-1].kid), [str(key.kid) for key in reversed(keys)]


class SigningKeys:
    """The provider's view of the key file, reloaded whenever the file is replaced."""

    def __init__(self, directory: Path) -> None:
        self._path = ensure_keys(directory)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._keys: list[RSAKey] = []

    def _current_keys(self) -> list[RSAKey]:
        with self._lock:
            stat = self._path.stat()
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                self._keys = _load(self._path)
                self._stamp = stamp
            return self._keys

    @property
    def signing_kid(self) -> str:
        """The ``kid`` new tokens carry."""
        return str(self._current_keys()[-1].kid)

    def signing_set(self) -> KeySet:
        """A key set holding only the signing key: joserfc then writes its ``kid`` into the JWS header."""
        return KeySet([self._current_keys()[-1]])

    def verification_set(self) -> KeySet:
        """The published public keys, to verify tokens this provider issued."""
        return KeySet([RSAKey.import_key(key.as_dict(private=False)) for key in self._current_keys()])

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document: newest key first."""
        keys = list(reversed(self._current_keys()))
        return {"keys": [dict(key.as_dict(private=False)) for key in keys]}
