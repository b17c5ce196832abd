"""The kit's cursors: a cursor gives back the typed sort key it was made from, and only to its own list."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from abri_kit.pagination import BadCursor, Page, decode_cursor, encode_cursor, scope_of

pytestmark = pytest.mark.unit

table = sa.Table(
    "rows",
    sa.MetaData(),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("day", sa.Date),
    sa.Column("rank", sa.Integer),
    sa.Column("id", sa.Uuid),
)
KEYS = (table.c.at, table.c.day, table.c.rank, table.c.id)


def test_a_cursor_gives_back_its_typed_key() -> None:
    key = (datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC), date(2027, 1, 1), 7, uuid.uuid4())
    scope = scope_of("/v1/rows", filters=[("status", "open")])
    assert decode_cursor(encode_cursor(key, scope), scope, KEYS) == key


@pytest.mark.parametrize(
    "text",
    ["", "!!", "bm90IGpzb24", encode_cursor([1, 2], "s"), encode_cursor(["2026-12-05T01:00:00", "2027-01-01", 1, str(uuid.uuid4())], "s")],
)
def test_a_damaged_cursor_is_refused(text: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(text, "s", KEYS)  # not base64 JSON, too few values, a time without offset


def test_a_cursor_of_another_list_or_filter_is_refused() -> None:
    key = (datetime(2026, 12, 5, tzinfo=UTC), date(2027, 1, 1), 1, uuid.uuid4())
    made = encode_cursor(key, scope_of("/v1/rows", filters=[("status", "open")]))
    for other in (scope_of("/v1/rows", filters=[("status", "closed")]), scope_of("/v1/other", filters=[("status", "open")])):
        with pytest.raises(BadCursor):
            decode_cursor(made, other, KEYS)


def test_a_page_schema_is_named_for_its_items() -> None:
    class Thing(Page[int]):
        pass

    assert Page[str].__name__ == "strPage" and Thing(items=[1], next_cursor=None).items == [1]
