"""``UnhandledErrors`` with its own answer (the gateway answers a browser with a page): the answer it is
given is sent, and an answer that fails too falls back to the 500 problem rather than to Starlette's
plain text and a closed connection."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.types import Receive, Scope

from abri_kit.problems import Answer, UnhandledErrors, install_problem_handlers
from abri_kit.request_id import RequestIdMiddleware

pytestmark = pytest.mark.timeout(60)
seen: list[Exception] = []


async def a_page(scope: Scope, _receive: Receive, error: Exception) -> Response:
    seen.append(error)
    return HTMLResponse("<h1>Something went wrong</h1>", status_code=500)


async def a_failing_answer(scope: Scope, _receive: Receive, error: Exception) -> Response:
    raise LookupError("the answer fails too")


def failing_app(answer: Answer | None = None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("a bug")

    if answer is None:
        app.add_middleware(UnhandledErrors)
    else:
        app.add_middleware(UnhandledErrors, answer=answer)
    app.add_middleware(RequestIdMiddleware)
    return app


async def get(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        return await client.get("/boom", headers={"x-request-id": "req-87654321"})


async def test_the_answer_given_is_sent_with_the_error_it_answers() -> None:
    seen.clear()
    answer = await get(failing_app(answer=a_page))
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/html")
    assert answer.text == "<h1>Something went wrong</h1>" and answer.headers["x-request-id"] == "req-87654321"
    assert [str(error) for error in seen] == ["a bug"]


async def test_an_answer_that_fails_falls_back_to_the_problem() -> None:
    answer = await get(failing_app(answer=a_failing_answer))
    assert answer.status_code == 500 and answer.headers["content-type"] == "application/problem+json"
    problem = json.loads(answer.text)
    assert problem["title"] == "Internal Server Error" and problem["request_id"] == "req-87654321"
    assert "a bug" not in answer.text and "fails too" not in answer.text


async def test_by_default_the_answer_is_the_problem() -> None:
    answer = await get(failing_app())
    assert answer.status_code == 500 and answer.headers["content-type"] == "application/problem+json"
    assert json.loads(answer.text)["status"] == 500
