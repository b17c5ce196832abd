"""How strongly the caller signed in, and the operations that need a second factor (docs/security.md,
"Strong authentication").

The identity provider (the development one in ``infra/idp``, Keycloak in production) puts three claims in
every token issued to a person: ``acr`` (the level reached: :data:`ACR_PASSWORD` or :data:`ACR_MFA`),
``amr`` (the methods used, RFC 8176: ``pwd``, ``otp``, ``mfa``) and ``auth_time`` (when the person
actually authenticated; a refresh keeps it). It asks a second factor of social workers, fund agents and ops
at every sign-in; owners and households may turn one on.

Each service names the operations that need a second factor: reading a household's personal data, deciding
a guarantee or a claim, and ops' key operations (:class:`StrongAuthentication`, declared in the service's
``ServiceSpec.strong_authentication``). When a person holding a professional role (:data:`MFA_ROLES`) calls
one with a token below :data:`ACR_MFA`, or authenticated longer ago than the operation allows, the service
answers the step-up challenge of RFC 9470: 401 ``insufficient_user_authentication`` with the ``acr_values``
(and ``max_age``) to ask the provider for. The browser front follows it by sending the person back to the
provider with those parameters; an API client does the same with its own authorization request.

Owners and households are not held to it (the sector's guidance: strong authentication graduated so that
people far from digital tools are not shut out); a partner system signs in as a client (client credentials,
its own key or secret), not as a person, and carries no ``acr``: holding the ``partner`` role only, it is not
held to it either. A client given a professional role is held to it like a person, and so cannot do these
operations through the API (ops do their key operations as people, or with ``abri-ops`` inside the cluster).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from fastapi import Request

from abri_auth.errors import InsufficientUserAuthentication
from abri_auth.principal import Principal
from abri_auth.scopes import require_service_scope

ACR_PASSWORD = "urn:abri:loa:password"  # noqa: S105 (a level of assurance, not a password)
"""A password alone."""
ACR_MFA = "urn:abri:loa:mfa"
"""A password and a second factor (a one-time code from an authenticator app, or a single-use recovery code)."""
STRONG_ACRS = frozenset({ACR_MFA})
"""The ``acr`` values that count as strong."""
MFA_ROLES = frozenset({"social_worker", "fund_agent", "ops"})
"""The roles held to a second factor: professionals who read vulnerable people's data or decide for them."""


@dataclass(frozen=True)
class StrongAuthentication:
    """What one operation asks: a second factor, and (``max_age_s``) an authentication no older than that."""

    why: str
    """Said in the challenge's description and the API description (e.g. "reads a household's personal data")."""
    max_age_s: int | None = None
    """For the most sensitive operations (ops' key operations): the person authenticated at most this long ago."""


PERSONAL_DATA = StrongAuthentication("reads a household's personal data")
DECISION = StrongAuthentication("decides for a household or an owner")
KEY_OPERATION_MAX_AGE_S = 15 * 60
"""Ops' key operations need an authentication of the last 15 minutes (like ``sudo``): Abri's choice."""
KEY_OPERATION = StrongAuthentication("is a key operation of ops", max_age_s=KEY_OPERATION_MAX_AGE_S)


def is_strong(principal: Principal) -> bool:
    """True when the caller's token says it signed in with a second factor."""
    return principal.acr in STRONG_ACRS


def is_held_to_it(principal: Principal) -> bool:
    """True when the caller is a person with a professional role (a client's own token is not)."""
    return principal.has_role(*MFA_ROLES)


def require_strong_authentication(principal: Principal, need: StrongAuthentication, now: float) -> None:
    """Nothing if the caller may go on; :class:`InsufficientUserAuthentication` (401, RFC 9470) otherwise."""
    if not is_held_to_it(principal):
        return
    if not is_strong(principal):
        raise InsufficientUserAuthentication(
            f"this operation {need.why}: sign in again with a second factor", acr_values=(ACR_MFA,), max_age=need.max_age_s
        )
    if need.max_age_s is not None and (principal.auth_time is None or now - principal.auth_time > need.max_age_s):
        raise InsufficientUserAuthentication(
            f"this operation {need.why}: it needs an authentication of the last {need.max_age_s // 60} minutes",
            acr_values=(ACR_MFA,),
            max_age=need.max_age_s,
        )


def operation_key(method: str, path: str) -> str:
    """How an operation is named in a service's table: ``"POST /v1/files/{file_id}/approval"``."""
    return f"{method.upper()} {path}"


def require_service_access(service: str, strong: Mapping[str, StrongAuthentication]) -> Callable[[Request], Awaitable[Principal]]:
    """The dependency of every route of ``service`` that needs a token: the route's scope
    (:func:`abri_auth.scopes.require_service_scope`), then a second factor where ``strong`` names the route."""
    scoped = require_service_scope(service)

    async def dependency(request: Request) -> Principal:
        principal = await scoped(request)
        route = request.scope.get("route")
        need = strong.get(operation_key(request.method, getattr(route, "path", ""))) if route is not None else None
        if need is not None:
            require_strong_authentication(principal, need, time.time())
        return principal

    return dependency
