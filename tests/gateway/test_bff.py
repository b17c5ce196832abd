"""Browser sign-in through the gateway, end to end against the local identity provider (infra/idp):
login, session cookie, CSRF, the API through the session, logout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from abri_auth.assurance import ACR_MFA
from abri_gateway.app import create_app as create_gateway
from abri_gateway.settings import GatewaySettings
from abri_idp.testing import LocalIdp, _FormParser, sign_in_pages
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from tests.oidc_issuer import serving
from tests.support import database_url, free_port, kafka_bootstrap

SESSION = "__Host-abri_session"
LOGIN = "__Host-abri_login"


class Stack:
    def __init__(self, idp: LocalIdp, gateway_url: str) -> None:
        self.idp = idp
        self.gateway_url = gateway_url
        self.credentials = dict(
            line.split("=", 1)
            for line in (idp.directory / "credentials.env").read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory) as started:
        yield started


def short_lived_stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return running_stack(tmp_path_factory, {"ABRI_IDP_ACCESS_TOKEN_TTL": "31"})


@asynccontextmanager
async def running_stack(tmp_path_factory: pytest.TempPathFactory, idp_env: dict[str, str] | None = None) -> AsyncIterator[Stack]:
    gateway_port = free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    idp = LocalIdp(
        Path(tmp_path_factory.mktemp("idp")),
        env={
            "ABRI_IDP_WEB_REDIRECT_URIS": f"{gateway_url}/callback",
            "ABRI_IDP_WEB_POST_LOGOUT_REDIRECT_URIS": f"{gateway_url}/",
            **(idp_env or {}),
        },
    )
    idp.start()
    try:
        stack = Stack(idp, gateway_url)
        listings_port = free_port()
        listings = create_listings(
            ListingsSettings(database_url=database_url("listings"), kafka_bootstrap_servers=kafka_bootstrap(), oidc_issuer=idp.issuer)
        )
        gateway = create_gateway(
            GatewaySettings(
                public_url=gateway_url,
                oidc_issuer=idp.issuer,
                oidc_client_secret=stack.credentials["ABRI_IDP_CLIENT_ABRI_WEB_SECRET"],
                listings_url=f"http://127.0.0.1:{listings_port}",
                matching_url=f"http://127.0.0.1:{listings_port}",  # a real service behind /api/matching too
            )
        )
        async with serving(listings, listings_port), serving(gateway, gateway_port):
            yield stack
    finally:
        idp.stop()


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    found: dict[str, SimpleCookie] = {}
    for raw in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(raw)
        for name in jar:
            found[name] = jar
    return found


async def sign_in(
    stack: Stack,
    username: str,
    return_to: str = "/inbox",
    expect_back_to: str = "/inbox",
    *,
    params: dict[str, str] | None = None,
    session: str | None = None,
) -> tuple[str, str]:
    """The browser's journey: gateway /login → provider's form → gateway /callback. Returns the session
    cookie value and the raw Set-Cookie header; ``params``: more of /login's (a step-up), ``session``: the
    session this browser already holds."""
    held = f"{SESSION}={session}; " if session else ""
    async with httpx.AsyncClient(timeout=20) as browser:
        start = await browser.get(f"{stack.gateway_url}/login", params={"return_to": return_to, **(params or {})})
        assert start.status_code == 302
        login_cookie = set_cookies(start)[LOGIN][LOGIN].value
        authorize_url = start.headers["location"]
        assert authorize_url.startswith(stack.idp.issuer)
        query = parse_qs(urlsplit(authorize_url).query)
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"] and query["state"]
        page = await browser.get(authorize_url)
        form = _FormParser()
        form.feed(page.text)
        assert form.action is not None
        password = stack.credentials[f"ABRI_IDP_PASSWORD_{username.upper()}"]
        answer = await sign_in_pages(browser, page, stack.idp.issuer, username, password)  # and a TOTP code when asked
        assert answer.is_redirect, answer.text[:300]
        callback_url = answer.headers["location"]
        assert callback_url.startswith(f"{stack.gateway_url}/callback")
        done = await browser.get(callback_url, headers={"cookie": f"{held}{LOGIN}={login_cookie}"})
        assert done.status_code == 303, done.text
        assert done.headers["location"] == expect_back_to
        raw = next(c for c in done.headers.get_list("set-cookie") if c.startswith(SESSION))
        return set_cookies(done)[SESSION][SESSION].value, raw


async def test_sign_in_use_the_api_through_the_session_and_sign_out(stack: Stack) -> None:
    session_id, raw_cookie = await sign_in(stack, "sw1")
    attributes = raw_cookie.lower()
    assert "httponly" in attributes and "secure" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    cookie = {"cookie": f"{SESSION}={session_id}"}
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as browser:
        me = await browser.get("/session", headers=cookie)
        assert me.status_code == 200
        body = me.json()
        assert body["roles"] == ["social_worker"] and body["org_id"] == "assoc-1"
        assert "token" not in " ".join(body.keys()).replace("csrf_token", "")  # no token reaches the browser
        csrf = body["csrf_token"]

        api = await browser.get("/api/listings/v1/me", headers=cookie)
        assert api.status_code == 200
        assert api.json()["subject"] == body["subject"]

        unsafe = await browser.post("/api/matching/v1/me", headers=cookie)  # a social worker may write to matching
        assert unsafe.status_code == 403
        assert "CSRF" in unsafe.json()["detail"]
        with_csrf = await browser.post("/api/matching/v1/me", headers={**cookie, "x-csrf-token": csrf})
        assert with_csrf.status_code == 405  # past the gateway's checks; the service has no POST there
        assert (await browser.post("/api/listings/v1/me", headers={**cookie, "x-csrf-token": csrf})).status_code == 403  # no scope

        refused = await browser.post("/logout", headers=cookie, data={"csrf_token": "forged"})
        assert refused.status_code == 403
        assert (await browser.get("/session", headers=cookie)).status_code == 200  # still signed in

        out = await browser.post("/logout", headers=cookie, data={"csrf_token": csrf})
        assert out.status_code == 303
        assert out.headers["location"].startswith(stack.idp.issuer)
        assert f"{SESSION}=" in out.headers["set-cookie"]
        assert (await browser.get("/session", headers=cookie)).status_code == 401
        assert (await browser.get("/api/listings/v1/me", headers=cookie)).status_code == 401


async def test_a_callback_not_started_here_is_refused(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as browser:
        forged = await browser.get("/callback", params={"code": "stolen", "state": "guess"})
        assert forged.status_code == 403
        start = await browser.get("/login")
        login_cookie = set_cookies(start)[LOGIN][LOGIN].value
        wrong_state = await browser.get(
            "/callback", params={"code": "x", "state": "not-the-state"}, headers={"cookie": f"{LOGIN}={login_cookie}"}
        )
        assert wrong_state.status_code == 403


async def test_a_step_up_is_passed_on_to_the_provider_as_the_service_asked(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as browser:
        start = await browser.get("/login", params={"return_to": "/fund", "acr_values": ACR_MFA, "max_age": "900"})
        assert start.status_code == 302
        query = parse_qs(urlsplit(start.headers["location"]).query)
        assert query["acr_values"] == [ACR_MFA] and query["max_age"] == ["900"], query
        plain = parse_qs(urlsplit((await browser.get("/login")).headers["location"]).query)
        assert "acr_values" not in plain and "max_age" not in plain
        for bad in ({"acr_values": "urn:other:loa:0"}, {"max_age": "-1"}, {"max_age": "999999"}, {"max_age": "soon"}):
            refused = await browser.get("/login", params=bad)
            assert refused.status_code == 422, (bad, refused.status_code)
            assert refused.headers["content-type"] == "application/problem+json"
            assert LOGIN not in set_cookies(refused)  # no login was started


async def test_a_step_up_replaces_the_session_it_came_from(stack: Stack) -> None:
    first, _ = await sign_in(stack, "sw1")
    second, _ = await sign_in(stack, "sw1", params={"acr_values": ACR_MFA, "max_age": "0"}, session=first)
    assert second != first
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as browser:
        assert (await browser.get("/session", headers={"cookie": f"{SESSION}={first}"})).status_code == 401  # ended
        assert (await browser.get("/session", headers={"cookie": f"{SESSION}={second}"})).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "inbox"])
async def test_return_to_cannot_send_the_user_elsewhere(stack: Stack, target: str) -> None:
    await sign_in(stack, "owner1", return_to=target, expect_back_to="/")  # signed in, but sent home


async def test_every_unsafe_method_through_a_session_needs_the_csrf_token(stack: Stack) -> None:
    session_id, _ = await sign_in(stack, "sw1")
    cookie = {"cookie": f"{SESSION}={session_id}"}
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as browser:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = await browser.request(method, "/api/matching/v1/me", headers=cookie)
            assert response.status_code == 403, method
            assert "CSRF" in response.json()["detail"]


async def test_an_expiring_access_token_is_refreshed_once_for_parallel_requests(tmp_path_factory: pytest.TempPathFactory) -> None:
    async with short_lived_stack(tmp_path_factory) as stack:
        session_id, _ = await sign_in(stack, "sw1")
        cookie = {"cookie": f"{SESSION}={session_id}"}
        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=20) as browser:
            # tokens live 31 s and are refreshed within 30 s of expiry: every request now needs a refresh
            answers = await asyncio.gather(*(browser.get("/api/listings/v1/me", headers=cookie) for _ in range(5)))
            assert [a.status_code for a in answers] == [200] * 5
            await asyncio.sleep(1.5)
            again = await browser.get("/api/listings/v1/me", headers=cookie)
            assert again.status_code == 200  # the rotated refresh token was not replayed (which revokes the family)
