"""The service's database engine and sessions (SQLAlchemy 2 async, asyncpg, PostgreSQL only)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

IDLE_IN_TRANSACTION_S = 60
"""How long PostgreSQL lets a connection sit idle inside an open transaction before ending it (its locks with it):
a process frozen in the middle of a transaction (a paused pod, a stuck debugger) never holds a row others wait
for (an idempotency key, a unit) longer than this. ``ABRI_DB_IDLE_IN_TRANSACTION_S`` overrides it (0: no bound)."""


def make_engine(url: str, *, pool_size: int = 5, application_name: str = "abri") -> AsyncEngine:
    """An engine on PostgreSQL with pre-ping, so that a restarted database is reconnected transparently, and a
    bound on idle transactions (:data:`IDLE_IN_TRANSACTION_S`)."""
    idle_s = int(os.environ.get("ABRI_DB_IDLE_IN_TRANSACTION_S", str(IDLE_IN_TRANSACTION_S)))
    settings = {"application_name": application_name, "idle_in_transaction_session_timeout": str(max(idle_s, 0) * 1000)}
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"server_settings": settings, "timeout": 5},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once at the end, rolled back (outbox rows included) on error."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
"""``scope="function"``: the commit runs when the route returns, before the response is sent. FastAPI's
default runs a ``yield`` dependency's exit after the response, which would answer 200 for a change whose
commit then fails, and let a client's next request miss what it just wrote."""
