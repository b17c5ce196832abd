"""Strong authentication at each service (``abri_auth.assurance``): reading a household's personal data,
deciding a guarantee or a claim, and ops' key operations need a second factor of a social worker, a fund
agent or ops. Without it the service answers the step-up challenge of RFC 9470 (401
``insufficient_user_authentication`` with ``acr_values``, and ``max_age`` where the operation needs a fresh
authentication) and changes nothing; owners and households are not held to it."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from abri_auth.assurance import ACR_MFA, ACR_PASSWORD, KEY_OPERATION_MAX_AGE_S, MFA_ROLES, StrongAuthentication
from abri_contracts.services import SERVICES
from abri_kit.app import mark_strong_operations
from tests.oidc_issuer import TestIssuer
from tests.services.test_scopes import concrete, outbox_rows, serving

pytestmark = pytest.mark.timeout(180)

MARK = "x-abri-strong-authentication"


def strong_routes(app: FastAPI) -> dict[tuple[str, str], dict[str, Any]]:
    """The operations the service's OpenAPI document marks as needing a second factor."""
    return {
        (method.upper(), path): operation[MARK]
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and MARK in operation
    }


def bearer(issuer: TestIssuer, role: str, **claims: Any) -> dict[str, str]:
    return {"authorization": f"Bearer {issuer.token(sub=f'{role}-step-up', roles=[role], org_id='org-step-up', **claims)}"}


def password_only(issuer: TestIssuer, role: str) -> dict[str, str]:
    return bearer(issuer, role, acr=ACR_PASSWORD, amr=["pwd"], auth_time=int(time.time()))


def assert_step_up(answer: httpx.Response, what: str, max_age: int | None = None) -> None:
    assert answer.status_code == 401, f"{what}: {answer.status_code} {answer.text[:200]}"
    challenge = answer.headers["www-authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge, challenge
    assert f'acr_values="{ACR_MFA}"' in challenge, challenge
    assert (f'max_age="{max_age}"' in challenge) == (max_age is not None), challenge
    body = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert body["acr_values"] == ACR_MFA and body.get("max_age") == max_age, body


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_sensitive_operations_answer_a_step_up_challenge_to_a_password_alone(service: str, issuer: TestIssuer) -> None:
    async with serving(service, issuer) as (app, client):
        marked = strong_routes(app)
        # The ops API's key operations are marked on every service, beside the service's own.
        assert ("POST", "/v1/ops/dead-letters/replay") in marked and ("POST", "/v1/ops/outbox/parked/release") in marked
        before = await outbox_rows(service)
        for (method, path), mark in sorted(marked.items()):
            assert mark["acr_values"] == ACR_MFA and set(mark["roles"]) == MFA_ROLES, mark
            for role in sorted(MFA_ROLES):
                answer = await client.request(method, concrete(path), headers=password_only(issuer, role), json={})
                assert_step_up(answer, f"{method} {path} as {role}", mark.get("max_age"))
                no_acr = await client.request(method, concrete(path), headers=bearer(issuer, role, acr=None, amr=None), json={})
                assert_step_up(no_acr, f"{method} {path} as {role} without acr", mark.get("max_age"))
        assert await outbox_rows(service) == before  # nothing was done


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_logged_read_of_personal_data_is_marked(service: str, issuer: TestIssuer) -> None:
    """A route that says it logs a read of personal data needs the second factor: the table cannot forget one."""
    async with serving(service, issuer) as (app, _):
        marked = strong_routes(app)
        logged = {
            (method.upper(), path)
            for path, operations in app.openapi()["paths"].items()
            for method, operation in operations.items()
            if isinstance(operation, dict) and "logged" in (operation.get("summary") or "")
        }
        assert logged <= set(marked), sorted(logged - set(marked))


async def test_a_second_factor_opens_them_and_others_are_not_held_to_it(issuer: TestIssuer) -> None:
    async with serving("guarantees", issuer) as (app, client):
        marked = strong_routes(app)
        assert ("POST", "/v1/files/{file_id}/approval") in marked and ("GET", "/v1/files/{file_id}/tenant") in marked
        for method, path in sorted(marked):
            if marked[(method, path)].get("max_age"):
                continue
            strong = await client.request(method, concrete(path), headers=bearer(issuer, "fund_agent"), json={})
            assert strong.status_code != 401, f"{method} {path}: {strong.text[:200]}"  # on to the route's own checks (404 here)
            for role in ("owner", "household"):
                answer = await client.request(method, concrete(path), headers=password_only(issuer, role), json={})
                assert answer.status_code != 401, f"{method} {path} as {role}: {answer.text[:200]}"
        # A route that reads no personal data takes a password alone.
        queue = await client.get("/v1/files", headers=password_only(issuer, "fund_agent"))
        assert queue.status_code == 200, queue.text


async def test_a_key_operation_needs_a_recent_authentication(issuer: TestIssuer) -> None:
    async with serving("listings", issuer) as (_, client):
        path = "/v1/ops/outbox/parked/release"
        old = int(time.time()) - KEY_OPERATION_MAX_AGE_S - 60
        stale = await client.post(path, headers=bearer(issuer, "ops", auth_time=old), json={"seq": 1})
        assert_step_up(stale, "a strong but old authentication", KEY_OPERATION_MAX_AGE_S)
        unknown_time = await client.post(path, headers=bearer(issuer, "ops", auth_time=None), json={"seq": 1})
        assert_step_up(unknown_time, "a strong authentication of unknown time", KEY_OPERATION_MAX_AGE_S)
        fresh = await client.post(path, headers=bearer(issuer, "ops"), json={"seq": 987654321})
        assert fresh.status_code == 404, fresh.text  # past the step-up: no such parked row


def test_a_declared_operation_that_matches_no_route_stops_the_service() -> None:
    router = APIRouter()

    @router.get("/v1/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    need = StrongAuthentication("reads a thing")
    mark_strong_operations([router], {"GET /v1/things/{thing_id}": need})
    app = FastAPI()
    app.include_router(router)
    assert app.openapi()["paths"]["/v1/things/{thing_id}"]["get"][MARK]["why"] == "reads a thing"
    with pytest.raises(ValueError, match="GET /v1/thing/"):
        mark_strong_operations([router], {"GET /v1/thing/{thing_id}": need})
