"""The web front follows a service's step-up challenge (RFC 9470): a page that needs a second factor sends
the person back to the identity provider with the level (and the freshness) the service asked for, then
here again; a form sent cannot be replayed after that detour, so its page says why and offers it. An API
client of the gateway gets the service's challenge as it was."""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlsplit

from abri_auth.assurance import ACR_MFA, ACR_PASSWORD, KEY_OPERATION_MAX_AGE_S
from tests.web.support import Stack


def login_query(location: str) -> dict[str, list[str]]:
    parts = urlsplit(location)
    assert parts.path == "/login", location
    return parse_qs(parts.query)


async def test_a_download_of_personal_data_goes_through_a_second_factor_and_back(stack: Stack) -> None:
    agent = stack.browser("fund_agent", acr=ACR_PASSWORD, amr=["pwd"])
    file_id, document_id = uuid.uuid4(), uuid.uuid4()
    page = f"/fund/files/{file_id}/documents/{document_id}"
    answer = await agent.get(page, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    query = login_query(answer.headers["location"])
    assert query == {"return_to": [page], "acr_values": [ACR_MFA]}, query
    # With a second factor the same link goes on to the service's own answer (no such document here).
    strong = stack.browser("fund_agent")
    assert (await strong.get(page, follow_redirects=False)).status_code == 404


async def test_a_form_that_reads_personal_data_explains_and_offers_the_detour(stack: Stack) -> None:
    agent = stack.browser("fund_agent", acr=ACR_PASSWORD, amr=["pwd"])
    file_page = f"/fund/files/{uuid.uuid4()}"
    agent.client.headers["referer"] = f"{stack.gateway_url}{file_page}"
    answer = await agent.post(f"{file_page}/tenant", {"purpose": "review_file"})
    assert answer.status_code == 401, answer.text[:300]
    assert "second facteur" in answer.text  # in the page's language (French by default)
    link = next(part.split('"', 1)[0] for part in answer.text.split('href="')[1:] if part.startswith("/login?"))
    query = login_query(link.replace("&amp;", "&"))
    assert query == {"return_to": [file_page], "acr_values": [ACR_MFA]}, query


async def test_a_referer_from_elsewhere_is_not_followed_back(stack: Stack) -> None:
    agent = stack.browser("fund_agent", acr=ACR_PASSWORD, amr=["pwd"])
    agent.client.headers["referer"] = "https://elsewhere.example/fund/files"
    answer = await agent.post(f"/fund/files/{uuid.uuid4()}/tenant", {"purpose": "review_file"})
    assert answer.status_code == 401
    link = next(part.split('"', 1)[0] for part in answer.text.split('href="')[1:] if part.startswith("/login?"))
    assert login_query(link.replace("&amp;", "&"))["return_to"] == ["/"]


async def test_a_key_operation_of_ops_asks_for_a_fresh_authentication(stack: Stack) -> None:
    ops = stack.browser("ops", auth_time=int(time.time()) - KEY_OPERATION_MAX_AGE_S - 60)
    answer = await ops.post("/ops/listings/dead-letters/replay", {"topic": "abri.matching.placements", "all": "true"})
    assert answer.status_code == 401, answer.text[:300]
    link = next(part.split('"', 1)[0] for part in answer.text.split('href="')[1:] if part.startswith("/login?"))
    query = login_query(link.replace("&amp;", "&"))
    assert query["acr_values"] == [ACR_MFA] and query["max_age"] == [str(KEY_OPERATION_MAX_AGE_S)], query


async def test_an_api_client_gets_the_services_challenge_through_the_gateway(stack: Stack) -> None:
    worker = stack.browser("social_worker", acr=ACR_PASSWORD, amr=["pwd"])
    household = uuid.uuid4()
    for path in (f"/matching/v1/households/{household}/personal-data?purpose=contact", f"/v1/households/{household}/export"):
        url = f"/api{path}" if path.startswith("/matching") else path
        answer = await worker.client.get(url, headers=worker.bearer)
        assert answer.status_code == 401, f"{path}: {answer.status_code} {answer.text[:200]}"
        challenge = answer.headers["www-authenticate"]
        assert 'error="insufficient_user_authentication"' in challenge and f'acr_values="{ACR_MFA}"' in challenge, challenge
        assert answer.json()["acr_values"] == ACR_MFA


async def test_the_preferences_page_says_who_needs_a_second_factor_and_links_to_the_provider(stack: Stack) -> None:
    for role, required in (("social_worker", True), ("owner", False), ("household", False)):
        person = stack.browser(role)
        try:
            page = await person.get("/preferences", params={"lang": "en"})
        finally:
            await person.aclose()
        assert page.status_code == 200
        assert ("code from an authenticator app, every time" in page.text) == required, role
        assert ("You may add a second factor" in page.text) == (not required), role
        assert 'href="http://127.0.0.1:' in page.text and '/account/security"' in page.text  # the provider's own page
