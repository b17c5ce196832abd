"""A page that fails (an error no handler answers) through the gateway's one failure answer, the kit's
``UnhandledErrors`` with the gateway's page: a browser gets the 500 page in its language, a program the
500 problem+json (it used to get Starlette's plain text and a closed connection), and the same
connection serves the next request."""

from __future__ import annotations

import json

import pytest

from tests.web.in_words import findings
from tests.web.support import Stack

pytestmark = pytest.mark.timeout(120)


async def test_a_failing_page_is_the_500_page_for_a_browser_and_a_problem_for_a_program(stack: Stack) -> None:
    async def failing() -> None:
        raise RuntimeError("a secret bug")

    stack.gateway_app.site.add_api_route("/test-failing-for-both", failing, include_in_schema=False)
    owner = stack.browser("owner")
    try:
        page = await owner.get("/test-failing-for-both", params={"lang": "fr"}, headers={"accept": "text/html"})
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="fr"' in page.text and "<h1>Service indisponible</h1>" in page.text
        assert "secret bug" not in page.text and findings(page.text) == []

        program = await owner.get("/test-failing-for-both", headers={"accept": "application/json"})
        assert program.status_code == 500 and program.headers["content-type"] == "application/problem+json"
        problem = json.loads(program.text)
        assert problem["status"] == 500 and "secret bug" not in program.text

        again = await owner.get("/", params={"lang": "fr"})  # the client's pooled connection still answers
        assert again.status_code == 200
    finally:
        await owner.aclose()
