"""Opaque keyset cursors: the last row's sort key and id, tied to the search that made them.

A cursor is base64url JSON ``{"v": 1, "s": sort, "k": key, "i": id, "f": digest of the filters}``. It
holds nothing secret; a cursor from another search, or a damaged one, answers 400 (``CursorError``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

VERSION = 1


class CursorError(ValueError):
    """The cursor is damaged, or belongs to another search."""


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended."""

    sort: str
    key: Any
    last_id: uuid.UUID


def digest(filters: dict[str, Any]) -> str:
    """A short digest of the filters, so that a cursor is used only with the search that made it."""
    canonical = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(cursor: Cursor, filters_digest: str) -> str:
    payload = {"v": VERSION, "s": cursor.sort, "k": cursor.key, "i": str(cursor.last_id), "f": filters_digest}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str, filters_digest: str) -> Cursor:
    """The cursor in ``text``; :class:`CursorError` if damaged or made by another search."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        cursor = Cursor(sort=str(payload["s"]), key=payload["k"], last_id=uuid.UUID(str(payload["i"])))
        version, made_for = payload["v"], payload["f"]
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CursorError("the cursor is not one this service made: start the search again without it") from exc
    if version != VERSION or made_for != filters_digest:
        raise CursorError("the cursor belongs to another search (filters or sort changed): start again without it")
    return cursor
