"""A 405 names every method the path takes (Starlette named those of the first route only), as a problem."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from abri_kit.problems import install_problem_handlers

pytestmark = pytest.mark.unit


async def test_a_405_lists_every_allowed_method() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/things")
    async def read() -> list[str]:
        return []

    @app.post("/things")
    async def create() -> dict[str, str]:
        return {}

    @app.delete("/things/{thing}")
    async def remove(thing: str) -> None:
        return None

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit") as client:
        answer = await client.put("/things")
    assert answer.status_code == 405 and answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["allow"] == "GET, POST"
