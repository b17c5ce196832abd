"""A reusable check that a service scopes every resource endpoint to the caller's tenant.

``assert_tenant_isolation`` walks every route of a FastAPI app that names a resource in its path
(``/v1/units/{unit_id}``...): it first checks that the owner reaches each readable one (so that a 404
proves something), calls each method with another tenant's token and expects 404 (the resource does
not exist for that caller) unless the route is listed with another status (403 for a role that may
never call it), then checks that the owner still reads what it read. Routes without path parameters (collections, creations) cannot be
walked generically: the service's own tests check that lists never show another tenant's rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import FastAPI

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options"})
_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


def resource_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every documented operation with path parameters (from the app's
    OpenAPI document, which lists every route however routers were included)."""
    found: list[tuple[str, str]] = []
    for path, operations in app.openapi().get("paths", {}).items():
        if path in PUBLIC_PATHS or not _PARAM.search(path):
            continue
        found.extend((method.upper(), path) for method in sorted(operations) if method in HTTP_METHODS)
    return found


async def assert_tenant_isolation(
    client: httpx.AsyncClient,
    app: FastAPI,
    *,
    owner_token: str,
    other_token: str,
    path_values: Mapping[str, str],
    bodies: Mapping[tuple[str, str], Any] | None = None,
    expected: Mapping[tuple[str, str], int] | None = None,
    headers: Mapping[str, str] | None = None,
    params: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
    path_values_of: Mapping[tuple[str, str], Mapping[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """Call every resource route as another tenant; fail listing each route that did not answer as
    expected (404 by default). ``path_values`` fill the path parameters with the ids of resources that
    belong to the first tenant, and ``path_values_of`` other ids for one (method, path) (a resource of the
    first tenant's that only exists in another state, say); ``bodies`` give a valid body per (method, path)
    so that validation does not answer first, and ``params`` a valid query string per (method, path).
    Returns the routes checked."""
    routes = resource_routes(app)
    failures = []
    readable: list[tuple[str, dict[str, str]]] = []
    auth_headers = dict(headers or {})

    def values_of(method: str, path: str) -> Mapping[str, str]:
        return {**path_values, **(path_values_of or {}).get((method, path), {})}

    def url_of(method: str, path: str) -> str:
        values = values_of(method, path)
        return _PARAM.sub(lambda match: str(values[match.group(1)]), path)

    def query_of(method: str, path: str) -> dict[str, str]:
        return dict((params or {}).get((method, path), {}))

    async def owner_reads(url: str, query: dict[str, str]) -> int:
        return (await client.get(url, params=query, headers={**auth_headers, "authorization": f"Bearer {owner_token}"})).status_code

    for method, path in routes:  # the ids must reach the routes, or every 404 below would prove nothing
        missing = [name for name in _PARAM.findall(path) if name not in values_of(method, path)]
        if missing:
            failures.append(f"{method} {path}: no value given for {', '.join(missing)}")
        elif method == "GET" and (expected or {}).get((method, path)) != 403:  # a 403 route is closed to the role, both tenants alike
            status = await owner_reads(url_of(method, path), query_of(method, path))
            if status >= 300:
                failures.append(f"GET {path}: the owner itself got {status}: the ids given do not reach this route")
            readable.append((url_of(method, path), query_of(method, path)))
    for method, path in routes:
        if any(name not in values_of(method, path) for name in _PARAM.findall(path)):
            continue
        body = (bodies or {}).get((method, path))
        response = await client.request(
            method,
            url_of(method, path),
            json=body,
            params=query_of(method, path),
            headers={**auth_headers, "authorization": f"Bearer {other_token}"},
        )
        want = (expected or {}).get((method, path), 404)
        if response.status_code != want:
            failures.append(f"{method} {path}: answered {response.status_code} to another tenant, expected {want}")
        elif want >= 400 and response.headers.get("content-type", "").split(";")[0] != "application/problem+json":
            failures.append(f"{method} {path}: {want} without a problem-details body")
    for url, query in readable:  # and the other tenant's attempts changed nothing the owner can see
        status = await owner_reads(url, query)
        if status >= 300:
            failures.append(f"GET {url}: the owner got {status} after the other tenant's calls")
    if failures:
        raise AssertionError("tenant isolation broken:\n  " + "\n  ".join(failures))
    return routes
