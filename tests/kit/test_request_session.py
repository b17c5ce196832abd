"""The request's session commits before the response leaves: a client never gets a success for a change
that was not committed, and reads what it just wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event

from abri_kit.db import SessionDep, make_engine, make_sessionmaker
from abri_kit.problems import install_problem_handlers
from tests.support import database_url


@pytest.fixture
async def app() -> AsyncIterator[FastAPI]:
    engine = make_engine(database_url("listings"))
    app = FastAPI()
    install_problem_handlers(app)
    app.state.sessionmaker = make_sessionmaker(engine)

    @app.post("/writes")
    async def writes(session: SessionDep) -> dict[str, str]:
        await session.execute(sa.text("SELECT 1"))

        @event.listens_for(session.sync_session, "before_commit")
        def refuse(_: object) -> None:
            raise RuntimeError("the database refused the commit")

        return {"status": "saved"}

    try:
        yield app
    finally:
        await engine.dispose()


async def test_a_commit_that_fails_is_never_answered_as_a_success(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        answer = await client.post("/writes")
    assert answer.status_code == 500
    assert "saved" not in answer.text
