"""The service's database engine and sessions (SQLAlchemy 2 async, asyncpg, PostgreSQL only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(url: str, *, pool_size: int = 5, application_name: str = "abri") -> AsyncEngine:
    """An engine on PostgreSQL with pre-ping, so that a restarted database is reconnected transparently."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"server_settings": {"application_name": application_name}, "timeout": 5},
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
