"""The services' OpenAPI documents, gathered into one at ``/openapi.json`` and browsable at ``/docs``.

Each service's paths appear under its prefix (``/api/<service>``); its component schemas are renamed
``<service>.<Name>`` so that two services may both have a ``Problem`` without clashing. Swagger UI's
files are served by the gateway itself (``fastapi-offline``), never from a CDN.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from abri_gateway.settings import SERVICES

PROBES = {"/healthz", "/readyz"}


def _rename_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/components/schemas/", f"#/components/schemas/{service}.")
                if key == "$ref" and isinstance(value, str)
                else _rename_refs(value, service)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rename_refs(item, service) for item in node]
    return node


def merge(documents: dict[str, dict[str, Any]], gateway: dict[str, Any]) -> dict[str, Any]:
    """One OpenAPI 3.1 document from the services' documents (probes left out) and the gateway's own
    document: every schema renamed after its owner (references follow), every operation id prefixed
    with its owner, so that the kit's routes, present in every service, stay distinct; each operation's
    security as its service declares it (the public visa check needs no token)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    tags = []
    for owner, document in [("gateway", gateway), *sorted(documents.items())]:
        if owner != "gateway":
            tags.append({"name": owner, "description": document.get("info", {}).get("description", "")})
        for path, item in document.get("paths", {}).items():
            if owner != "gateway" and path in PROBES:
                continue
            operations = _rename_refs(item, owner)
            for operation in operations.values():
                if isinstance(operation, dict):
                    if "operationId" in operation:
                        operation["operationId"] = f"{owner}_{operation['operationId']}"
                    if owner != "gateway":
                        operation["tags"] = [owner]
            paths[path if owner == "gateway" else f"/api/{owner}{path}"] = operations
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[f"{owner}.{name}"] = _rename_refs(schema, owner)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Abri API",
            "version": "1",
            "description": "Every Abri service, through the gateway. Requests need a bearer access token.",
        },
        "paths": paths,
        "tags": tags,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RFC 9068)"}},
        },
    }


FRESH_S = 300.0
"""How long a service's document is served without asking it again (it changes only with a new version)."""
FETCH_TIMEOUT_S = 10.0
"""How long the gateway waits for a service's document (a busy service builds it on its first request)."""


class ServiceDocuments:
    """The services' OpenAPI documents as ``/openapi.json`` merges them: each kept for :data:`FRESH_S`, then asked
    again; a service that does not answer in time is served from its last good document, or left out until it
    answers (so the public ``/docs`` never makes the gateway call every service on each request)."""

    def __init__(self, upstream: Callable[[str], str], clock: Callable[[], float] = time.monotonic) -> None:
        self.upstream = upstream
        """A service's base URL (``GatewaySettings.upstream``)."""
        self.clock = clock
        self.kept: dict[str, tuple[float, dict[str, Any]]] = {}

    async def documents(self, http: aiohttp.ClientSession) -> dict[str, dict[str, Any]]:
        now = self.clock()
        stale = [service for service in SERVICES if service not in self.kept or now - self.kept[service][0] >= FRESH_S]
        for service, document in await asyncio.gather(*(self._fetch(http, service) for service in stale)):
            if document is not None:
                self.kept[service] = (now, document)
        return {service: self.kept[service][1] for service in SERVICES if service in self.kept}

    async def _fetch(self, http: aiohttp.ClientSession, service: str) -> tuple[str, dict[str, Any] | None]:
        url = f"{self.upstream(service)}/openapi.json"
        try:
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)) as response:
                if response.status == 200:
                    return service, json.loads(await response.read())
        except (aiohttp.ClientError, TimeoutError, ValueError):
            pass
        return service, None
