"""The search's own read path: a small asyncpg pool and one prepared statement per search shape.

Search is the hot read of listings (every social worker, all day), so it skips what a read-only query
does not need: no ORM session, no transaction, no pre-ping round trip, no row objects (the rows go to
the response as they come). Its statements are the ones ``query.py`` compiles, with bound parameters,
so PostgreSQL plans each shape once per connection. Opened with the app and closed with it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg
from fastapi import FastAPI
from pydantic_core import from_json

READ_TIMEOUT_S = 10.0


class SearchReader:
    """Runs search statements on its own pool (``size`` connections, opened on first use)."""

    def __init__(self, dsn: str, size: int) -> None:
        self._dsn = dsn
        self._size = size
        self._pool: asyncpg.Pool | None = None

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[asyncpg.Record]:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                self._dsn,
                min_size=1,
                max_size=self._size,
                command_timeout=READ_TIMEOUT_S,
                server_settings={"application_name": "abri-listings-search", "default_transaction_read_only": "on"},
                init=_codecs,
            )
        rows: list[asyncpg.Record] = await self._pool.fetch(sql, *args)
        return rows

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _codecs(connection: asyncpg.Connection) -> None:
    """JSONB as Python values (descriptions), as SQLAlchemy would give them (decoded by pydantic's parser: the
    same values, a third of the time)."""
    await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=from_json, schema="pg_catalog")


def search_reader(size: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The reader as an app resource: ``size`` connections on the service's database, its own credentials."""

    @contextlib.asynccontextmanager
    async def held(app: FastAPI) -> AsyncIterator[None]:
        reader = SearchReader(app.state.engine.url.set(drivername="postgresql").render_as_string(hide_password=False), size)
        app.state.search_reader = reader
        try:
            yield
        finally:
            await reader.close()

    return held
