"""FastAPI dependencies: every route requires a valid bearer token unless it is declared public.

The app (gateway or service) puts a :class:`~abri_auth.token_cache.ValidatedTokens` on
``app.state.validated_tokens``; routes take the caller with ``principal: CurrentPrincipal`` or require
scopes with ``Depends(require_scopes("listings:write"))``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from abri_auth.errors import MissingToken
from abri_auth.principal import Principal
from abri_auth.token_cache import ValidatedTokens


def bearer_token(request: Request) -> str:
    """The bearer token of the request; :class:`MissingToken` if none."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingToken("a bearer access token is required")
    return token.strip()


PRINCIPAL_KEY = "abri.principal"
"""Where the caller is kept for the rest of the request: in the ASGI scope, which is the request's own.
(Not ``request.state``: its dict may be the lifespan state shared by every request.)"""


async def authenticate(request: Request) -> Principal:
    """The caller, from a valid access token (validated once per request)."""
    cached = request.scope.get(PRINCIPAL_KEY)
    if isinstance(cached, Principal):
        return cached
    tokens: ValidatedTokens = request.app.state.validated_tokens
    principal = await tokens.principal(bearer_token(request))
    request.scope[PRINCIPAL_KEY] = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require_scopes(*scopes: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that requires every one of ``scopes`` (403 ``insufficient_scope`` otherwise)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_scopes(*scopes)
        return principal

    return dependency


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that requires one of ``roles`` (403 otherwise)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_role(*roles)
        return principal

    return dependency
