"""Each service checks the OAuth scope of every route itself, from the same table as the gateway
(``abri_auth.scopes``): a genuine token that lacks the route's scope answers 403 ``insufficient_scope``
straight at the service's port, for every route of every service, and changes nothing."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from abri_auth.scopes import READ_METHODS, scope_needed
from abri_contracts.services import SERVICES
from tests.oidc_issuer import TestIssuer
from tests.support import count_rows, database_url, kafka_bootstrap

pytestmark = pytest.mark.timeout(180)

ROLES = ("owner", "social_worker", "fund_agent", "ops", "household", "partner")
PUBLIC_PREFIXES = ("/v1/public/",)
"""Routes an issue names public (the visa check and its keys): they need no token, so no scope."""


def app_of(service: str) -> tuple[Callable[[Any], FastAPI], type[Any]]:
    """The service's app factory (``abri_<service>.main:create_app``) and settings class, imported when a test needs them."""
    factory = importlib.import_module(f"abri_{service}.main").create_app
    settings_class = getattr(importlib.import_module(f"abri_{service}.settings"), f"{service.capitalize()}Settings")
    return factory, settings_class


@asynccontextmanager
async def serving(service: str, issuer: TestIssuer) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    factory, settings_class = app_of(service)
    settings = settings_class(
        database_url=database_url(service),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = factory(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url=f"http://{service}") as client:
            yield app, client


def token_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the app that needs a token: every operation of its OpenAPI document (a
    service hides no route from it) but the probes and the public routes."""
    routes: list[tuple[str, str]] = []
    for path, operations in app.openapi()["paths"].items():
        if path in ("/healthz", "/readyz") or path.startswith(PUBLIC_PREFIXES):
            continue
        routes.extend((method.upper(), path) for method in sorted(operations) if method in ("get", "post", "put", "patch", "delete"))
    return routes


def concrete(path: str) -> str:
    """The path with a fresh id in every parameter (the scope is checked before anything is looked up)."""
    parts = [str(uuid.uuid4()) if part.startswith("{") else part for part in path.split("/")]
    return "/".join(parts)


def wrong_scopes(service: str, method: str) -> list[str]:
    """Scopes that do not open ``method`` on ``service``: none, the other access, every other service's."""
    other_access = f"{service}:{'write' if method in READ_METHODS else 'read'}"
    others = " ".join(f"{name}:{access}" for name in SERVICES if name != service for access in ("read", "write"))
    return ["openid", f"openid {other_access}", f"openid {others}"]


async def outbox_rows(service: str) -> int:
    return await count_rows(service, "SELECT count(*) FROM event_outbox")


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_route_refuses_a_token_without_its_scope_at_the_service(service: str, issuer: TestIssuer) -> None:
    serving_service: AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]] = serving(service, issuer)
    async with serving_service as (app, client):
        routes = token_routes(app)
        assert len(routes) >= 5, routes  # the walk reaches the service's real routes
        before = await outbox_rows(service)
        for method, path in routes:
            for scopes in wrong_scopes(service, method):
                for role in ROLES:
                    token = issuer.token(sub=f"{role}-scope", roles=[role], org_id="org-scope", scope=scopes)
                    answer = await client.request(method, concrete(path), headers={"authorization": f"Bearer {token}"}, json={})
                    assert answer.status_code == 403, f"{method} {path} with {scopes!r} as {role}: {answer.status_code} {answer.text[:200]}"
                    challenge = answer.headers["www-authenticate"]
                    assert 'error="insufficient_scope"' in challenge and f'scope="{scope_needed(service, method)}"' in challenge, challenge
                    assert answer.headers["content-type"] == "application/problem+json"
        assert await outbox_rows(service) == before  # nothing was done


async def test_the_right_scope_opens_the_route(issuer: TestIssuer) -> None:
    async with serving("listings", issuer) as (_, client):
        reader = issuer.token(sub="owner-scope-ok", roles=["owner"], scope="openid listings:read")
        assert (await client.get("/v1/units", headers={"authorization": f"Bearer {reader}"})).status_code == 200


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_forged_token_is_refused_at_the_service_itself(service: str, issuer: TestIssuer) -> None:
    """The gateway's forged-token suite, straight at each service's port: the service validates the token
    itself (signature, algorithm, issuer, audience, times, type), on a read and on a write route."""
    from tests.gateway.test_token_validation import forged_tokens

    async with serving(service, issuer) as (app, client):
        routes = token_routes(app)
        read = next(path for method, path in routes if method == "GET" and "{" not in path)
        write = next((method, path) for method, path in routes if method == "POST")
        before = await outbox_rows(service)
        attempts = {case: {"authorization": f"Bearer {token}"} for case, token in forged_tokens(issuer).items()}
        attempts |= {"no Authorization header": {}, "Basic credentials": {"authorization": "Basic b3duZXI6b3duZXI="}}
        for case, headers in attempts.items():
            for method, path in (("GET", read), write):
                answer = await client.request(method, concrete(path), headers=headers, json={})
                assert answer.status_code == 401, f"{service} {method} {path} with {case}: {answer.status_code}"
                assert answer.headers["content-type"] == "application/problem+json"
                assert answer.headers["www-authenticate"].startswith("Bearer"), case
        assert await outbox_rows(service) == before
