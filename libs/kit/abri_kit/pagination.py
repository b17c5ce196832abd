"""Cursor pages for every list: a limit with a documented maximum, a stable order, a ``next_cursor``.

A list answers ``{"items": [...], "next_cursor": "..."}``; ``next_cursor`` is null on the last page, and
the next page is asked with ``?cursor=<next_cursor>`` (same ``limit`` or another). Pages are keysets,
not offsets: rows written between two pages never make a row appear twice or be skipped, and a page
costs one indexed query however deep it is. Nothing is ever cut silently: a list is as long as its pages.

A cursor is base64url JSON of the last row's sort key, tied to the list that made it (a digest of its
path and filters); it holds nothing secret (the query is still scoped to the caller). A damaged cursor,
or one from another list, answers 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from abri_kit.errors import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
"""The most rows one page holds (a caller asks ``limit`` from 1 to this); longer lists have more pages."""
CURSOR_MAX_LENGTH = 1000
VERSION = 1

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = Field(description="Ask the next page with ?cursor=<this>; null on the last page.")

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """``UnitOutPage`` for ``Page[UnitOut]`` (the name the OpenAPI document gives the schema)."""
        return f"{getattr(params[0], '__name__', str(params[0]))}Page"


@dataclass(frozen=True)
class PageRequest:
    """What the caller asked: how many rows, after which cursor, for which list (``scope``: a digest of
    the path and filters, so a cursor is used only with the list that made it)."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    scope: str = ""


class BadCursor(Problem):
    """400: the cursor is damaged, or was made by another list."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail, title="Bad cursor", errors=[{"field": "query.cursor", "message": detail, "code": "bad_cursor"}])


def scope_of(path: str, **filters: Any) -> str:
    """The digest a cursor is tied to: the list's path and its filters."""
    canonical = json.dumps({"p": path, "f": filters}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    return value


def encode_cursor(values: Sequence[Any], scope: str) -> str:
    """The cursor after a row whose sort key is ``values``."""
    payload = {"v": VERSION, "k": [_plain(v) for v in values], "f": scope}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _typed(value: Any, column: sa.ColumnElement[Any]) -> Any:
    kind = column.type.python_type
    if value is None:
        return None
    if kind is datetime:
        parsed = datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            raise ValueError("a time without offset")
        return parsed
    if kind is date:
        return date.fromisoformat(str(value))
    if kind is uuid.UUID:
        return uuid.UUID(str(value))
    if kind is int and not isinstance(value, bool):
        return int(value)
    if kind is str:
        return str(value)
    if kind is Decimal:
        return Decimal(str(value))
    raise ValueError(f"cannot read a {kind.__name__} from a cursor")


def decode_cursor(text: str, scope: str, keys: Sequence[Any]) -> tuple[Any, ...]:
    """The sort key in ``text``, typed like ``keys``; :class:`BadCursor` if damaged or made by another list."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        values, version, made_for = payload["k"], payload["v"], payload["f"]
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("not a sort key of this list")
        typed = tuple(_typed(v, key) for v, key in zip(values, keys, strict=True))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError, NotImplementedError) as exc:
        raise BadCursor("the cursor is not one this list made: ask the first page again, without it") from exc
    if version != VERSION or made_for != scope:
        raise BadCursor("the cursor belongs to another list (path or filters changed): ask the first page again")
    return typed


async def keyset_page(
    session: AsyncSession,
    statement: sa.Select[Any],
    keys: Sequence[Any],
    request: PageRequest,
    *,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of ``statement`` (which selects one entity or one row per result) in the order of
    ``keys`` (unique together: end with the primary key), and the cursor of the next page (None on the
    last). One query: ``limit + 1`` rows tell whether another page follows."""
    if request.cursor is not None:
        after = decode_cursor(request.cursor, request.scope, keys)
        position = sa.tuple_(*keys) < sa.tuple_(*after) if descending else sa.tuple_(*keys) > sa.tuple_(*after)
        statement = statement.where(position)
    order = [key.desc() for key in keys] if descending else list(keys)
    result = await session.execute(statement.order_by(*order).limit(request.limit + 1))
    rows = list(result.scalars().all() if len(statement.column_descriptions) == 1 else result.all())
    page = rows[: request.limit]
    if len(rows) <= request.limit:
        return page, None
    last = page[-1]
    return page, encode_cursor([_key_value(last, key) for key in keys], request.scope)


def _key_value(row: Any, key: sa.ColumnElement[Any]) -> Any:
    name = getattr(key, "key", None) or getattr(key, "name", None)
    if name is None:
        raise TypeError(f"a page key needs a name: {key!r}")
    return getattr(row, name)
