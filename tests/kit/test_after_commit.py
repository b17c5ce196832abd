"""``UnitOfWork.after_commit``: what a use case counts happens once its transaction committed, never when it
rolled back (a PostgreSQL session of the test database)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from abri_kit.db import make_engine, make_sessionmaker
from abri_kit.usecase import UnitOfWork
from tests.support import database_url


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url("listings"))
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_actions_run_once_after_the_commit_and_never_after_a_rollback(engine: AsyncEngine) -> None:
    done: list[str] = []
    async with make_sessionmaker(engine)() as session:
        uow = UnitOfWork(session)
        await session.execute(sa.text("SELECT 1"))
        uow.after_commit(lambda: done.append("first"))
        uow.after_commit(lambda: done.append("second"))
        assert done == []  # not before the commit
        await session.commit()
        assert done == ["first", "second"]

        await session.execute(sa.text("SELECT 1"))
        uow.after_commit(lambda: done.append("rolled back"))
        await session.rollback()
        await session.execute(sa.text("SELECT 1"))
        await session.commit()  # the next transaction of the same session does not run what was rolled back
        assert done == ["first", "second"]

        uow.after_commit(lambda: done.append("third"))
        await session.commit()
        await session.commit()
        assert done == ["first", "second", "third"]  # once


async def test_a_failed_commit_runs_nothing(engine: AsyncEngine) -> None:
    done: list[str] = []
    async with make_sessionmaker(engine)() as session:
        UnitOfWork(session).after_commit(lambda: done.append("counted"))
        with pytest.raises(sa.exc.DBAPIError):
            await session.execute(sa.text("SELECT 1 / 0"))
        await session.rollback()
        await session.commit()
    assert done == []
