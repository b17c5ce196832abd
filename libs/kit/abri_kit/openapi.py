"""A service's OpenAPI document as the service really answers.

FastAPI's own document says nothing of the token every route needs, and describes a validation error with
its ``HTTPValidationError`` schema, which no Abri service sends: every error is ``application/problem+json``
(:mod:`abri_kit.problems`). :func:`install_truthful_openapi` makes the document say what is true:

- a ``bearer`` security scheme (an OAuth 2 access token, a JWT), required by every route but the probes,
  the metrics and the routes an issue names public;
- on every operation, each error it can answer, with the ``Problem`` schema under
  ``application/problem+json``: 401 and 403 where a token is required, 404 where the path names a resource,
  422 where there is input, 400 where there is a body (not JSON) or a cursor, 412 and 428 where
  ``If-Match`` is taken (documented as required: without it the route answers 428), 409 where an
  ``Idempotency-Key`` is taken (the same key still in progress), 500 everywhere; a route's own statuses
  (409...) keep their description and get the same schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from abri_kit.problems import PROBLEM_JSON

OPEN_PATHS = ("/healthz", "/readyz", "/metrics")
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details: every error of every Abri service has this shape.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI that identifies the problem type (about:blank when only the status says it)."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {
            "type": "array",
            "description": "For bad input: each refused field or failed rule.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "description": "The value's path, e.g. body.consent.consented_at."},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                    "rule": {"type": "string"},
                },
            },
        },
        "request_id": {"type": "string", "description": "On a 500: the request's X-Request-Id, to quote when reporting it."},
    },
    "additionalProperties": True,
}
GENERIC = {
    400: "The cursor is damaged, or belongs to another list: ask the first page again",
    409: "A request with this Idempotency-Key is still being processed, or the resource is not in a state that allows this",
    412: "The resource changed since it was read (If-Match does not match its ETag)",
    428: "If-Match is required: send the ETag of the version you read",
    401: "No valid access token (a WWW-Authenticate challenge says why)",
    403: "The token is valid but its role or scopes do not allow this",
    404: "Not found, or not yours",
    422: "The input is not valid; nothing was changed",
    500: "The service failed; nothing was changed",
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def truthful(document: dict[str, Any], public_paths: Iterable[str]) -> dict[str, Any]:
    """``document`` with the security scheme and the problem answers (changed in place, and returned)."""
    public = tuple(public_paths)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "An OAuth 2 access token (RFC 9068)."}
    }
    for path, operations in document.get("paths", {}).items():
        protected = not path.startswith(OPEN_PATHS) and not any(path.startswith(prefix) for prefix in public)
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = {500}
            if protected:
                operation["security"] = [{"bearer": []}]
                statuses |= {401, 403}
            if "{" in path:
                statuses.add(404)
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.add(422)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
                    parameter["required"] = True  # without it the route answers 428, never a change
                    statuses |= {412, 428}
                if parameter.get("in") == "query" and parameter.get("name") == "cursor":
                    statuses.add(400)  # a damaged cursor, or one of another list
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == "idempotency-key":
                    statuses.add(409)  # the same key still being processed by another request
            own = dict(GENERIC)
            if operation.get("requestBody"):
                own[400] = "The body cannot be read as JSON" + (" (or the cursor is damaged)" if 400 in statuses else "")
                statuses.add(400)  # a body that is not JSON at all
            for status in sorted(statuses):
                key = str(status)
                described = responses.get(key, {}).get("description")
                responses[key] = _problem(described if described and "Validation Error" not in described else own[status])
            for key, response in list(responses.items()):  # a route's own error statuses: the same shape
                if key.isdigit() and int(key) >= 400 and "content" not in response:
                    responses[key] = _problem(response.get("description") or "Refused")
    return document


def install_truthful_openapi(app: FastAPI, public_paths: Iterable[str] = ()) -> None:
    """Make ``app.openapi()`` answer the truthful document (built once)."""
    prefixes = tuple(public_paths)

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = truthful(document, prefixes)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
