"""A connection left idle inside a transaction is ended by PostgreSQL after the bound the service's engine asks
for, its locks with it: a frozen process never holds a row another waits for longer than that (real PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from abri_kit.db import IDLE_IN_TRANSACTION_S, make_engine
from tests.support import database_url

pytestmark = pytest.mark.timeout(60)


async def test_an_idle_transaction_is_ended_and_its_lock_released(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABRI_DB_IDLE_IN_TRANSACTION_S", "1")
    frozen, waiting = make_engine(database_url("bustest")), make_engine(database_url("bustest"))
    try:
        async with waiting.begin() as setup:
            await setup.execute(sa.text("CREATE TABLE IF NOT EXISTS idle_probe (id int PRIMARY KEY)"))
            await setup.execute(sa.text("INSERT INTO idle_probe VALUES (1) ON CONFLICT DO NOTHING"))
        holder = await frozen.connect()
        await holder.begin()
        await holder.execute(sa.text("SELECT id FROM idle_probe WHERE id = 1 FOR UPDATE"))  # then it freezes
        async with waiting.begin() as other:
            await other.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
            started = asyncio.get_running_loop().time()
            await other.execute(sa.text("SELECT id FROM idle_probe WHERE id = 1 FOR UPDATE"))  # waits for the bound, not for ever
            assert asyncio.get_running_loop().time() - started < 8
        with pytest.raises(DBAPIError):  # the frozen one learns its transaction is gone when it wakes up
            await holder.execute(sa.text("SELECT 1"))
        await holder.close()
    finally:
        await frozen.dispose()
        await waiting.dispose()


def test_the_default_bound_is_a_minute() -> None:
    assert IDLE_IN_TRANSACTION_S == 60
