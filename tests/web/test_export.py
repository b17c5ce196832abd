"""A household's data from every service as one archive, through the gateway (GDPR art. 15 and 20): a
service that does not answer fails the whole export with 503 naming it (never a partial archive)."""

from __future__ import annotations

import socket

import pytest

from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.oidc_issuer import TestIssuer
from tests.web.support import running_stack

pytestmark = pytest.mark.timeout(600)


async def test_a_service_that_does_not_answer_fails_the_whole_export(issuer: TestIssuer, migrated: None) -> None:
    with socket.socket() as taken:  # bound, never listening: connections are refused
        taken.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{taken.getsockname()[1]}"
        async for running in running_stack(issuer, notifications_url=nowhere):
            worker = running.browser("social_worker")
            person = running.browser("household", org_id=worker.org_id)
            try:
                body = household(unique("EXD"), account_subject=person.subject)
                registered = await worker.api("POST", "/matching/v1/households", json=body)
                assert registered.status_code == 201, registered.text
                url = f"/v1/households/{registered.json()['id']}/export"
                api = await person.client.get(url, headers=person.bearer)
                page = await person.post("/household/export?lang=en")
            finally:
                await worker.aclose()
                await person.aclose()
    assert api.status_code == 503 and api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["service"] == "notifications" and "nothing was exported" in api.json()["detail"]
    assert page.status_code == 503 and "notifications does not answer" in page.text
    assert page.headers["content-type"].startswith("text/html")
