"""Which OAuth scope a request needs: one table, applied by the gateway and again by every service.

A request to a service needs ``<service>:read`` for a method that changes nothing (GET, HEAD, OPTIONS) and
``<service>:write`` for every other method. The gateway checks it before forwarding; each service checks
it again on every route that needs a token, so that a token which reaches a service's port some other
way (a pod in the cluster, a port-forward) has no more power than it would through the gateway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from abri_auth.dependencies import authenticate
from abri_auth.principal import Principal

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that read: they need ``<service>:read``; every other method needs ``<service>:write``."""


def scope_needed(service: str, method: str) -> str:
    """The scope a request with ``method`` needs on ``service``."""
    return f"{service}:{'read' if method.upper() in READ_METHODS else 'write'}"


def require_service_scope(service: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency for every route of ``service`` that needs a token: a valid token (401 otherwise) that
    carries the scope of the request's method on this service (403 ``insufficient_scope`` otherwise)."""

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        principal.require_scopes(scope_needed(service, request.method))
        return principal

    return dependency
