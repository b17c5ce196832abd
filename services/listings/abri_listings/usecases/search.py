"""Search of published units (social workers, ops): the one read across owners. It reads only the
published units' non-personal facts, positions snapped to the policy's grid (``domain/position.py``, stored with each unit),
through the search's own read path (``search/``)."""

from __future__ import annotations

from typing import Any

from abri_kit.pagination import BadCursor
from abri_listings.search.cursor import CursorError, decode_cursor, encode_cursor
from abri_listings.search.query import Filters, SortOrder, next_cursor, search_sql
from abri_listings.search.reader import SearchReader
from abri_listings.usecases.publishing import policy


async def search_units(
    reader: SearchReader, filters: Filters, sort: SortOrder, limit: int, cursor: str | None, made_for: str
) -> tuple[list[Any], str | None]:
    """One page of published units matching ``filters`` in the ``sort`` order, and the next page's cursor
    (tied to ``made_for``, the digest of the search); 400 for a damaged cursor or one of another search."""
    try:  # a cursor's key is read against its sort when the statement is built: a forged one is refused there too
        after = decode_cursor(cursor, made_for) if cursor else None
        sql, args = search_sql(filters, sort, limit, after, policy().position_grid_deg)
    except CursorError as exc:
        raise BadCursor(str(exc)) from exc
    rows = await reader.fetch(sql, args)
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor(next_cursor(sort, page[-1]), made_for) if more else None
