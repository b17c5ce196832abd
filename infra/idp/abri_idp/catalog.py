"""Scopes, roles and audiences: what each role may ask for, and for whom tokens may be minted."""

from __future__ import annotations

from collections.abc import Iterable

from abri_contracts.services import SERVICES

OIDC_SCOPES = ("openid", "profile", "offline_access")
"""Scopes only a signed-in person can hold (never a machine client)."""

SERVICE_SCOPES = tuple(f"{service}:{access}" for service in SERVICES for access in ("read", "write"))
ALL_SCOPES = OIDC_SCOPES + SERVICE_SCOPES


def _scopes(text: str) -> frozenset[str]:
    return frozenset(text.split())


ROLE_SCOPES: dict[str, frozenset[str]] = {
    "owner": _scopes(
        "listings:read listings:write matching:read matching:write guarantees:read guarantees:write notifications:read notifications:write"
        " assistant:read assistant:write"
    ),
    "social_worker": _scopes(
        "listings:read matching:read matching:write guarantees:read guarantees:write notifications:read notifications:write"
        " assistant:read assistant:write insights:read"
    ),
    "fund_agent": _scopes(
        "listings:read matching:read guarantees:read guarantees:write notifications:read notifications:write assistant:read assistant:write"
        " insights:read"
    ),
    "household": _scopes(
        "listings:read matching:read guarantees:read notifications:read notifications:write assistant:read assistant:write"
    ),
    "ops": frozenset(SERVICE_SCOPES),
    "partner": _scopes("listings:read matching:read matching:write notifications:read"),
}
"""Service scopes each role may hold; the roles are those ``abri_auth`` knows. Insights: its association's report
for social workers, its fund's for fund agents (reads only; its platform and département reports need no token);
``insights:write`` (its operations API: dead letters replayed) is ops' alone."""

DEFAULT_AUDIENCE = "abri-api"
"""The ``aud`` of an access token when the client names no ``resource``: the gateway and every service."""

AUDIENCES = (DEFAULT_AUDIENCE, *(f"abri-{service}" for service in SERVICES))
"""Every audience this provider mints tokens for; a client may only ask for those on its own list."""


def scopes_for_roles(roles: Iterable[str], *, person: bool) -> frozenset[str]:
    """The scopes a holder of ``roles`` may get; a person also gets ``openid profile offline_access``."""
    allowed: set[str] = set(OIDC_SCOPES) if person else set()
    for role in roles:
        allowed |= ROLE_SCOPES[role]
    return frozenset(allowed)


def ordered(scopes: Iterable[str]) -> str:
    """A space-separated scope string in catalogue order (stable, without duplicates)."""
    wanted = set(scopes)
    return " ".join(scope for scope in ALL_SCOPES if scope in wanted)
