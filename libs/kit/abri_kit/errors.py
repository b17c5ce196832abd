"""What a command or query refuses, and why: the errors use cases raise, free of any web framework.

Each carries the HTTP status a route answers with (the app turns every one into an RFC 9457 problem
body: ``problems.py``), so a Kafka handler and an HTTP route that call the same use case refuse the same
way. A resource the caller may not see is :class:`abri_auth.scoping.NotFound` (404, never 403).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any


class Problem(Exception):
    """A refusal answered with a problem-details body (``status``, ``title``, ``detail``, extra members)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str = "about:blank",
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.title = title or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        self.extra = extra


class Conflict(Problem):
    """409: the resource is not in a state that allows this step (another step must come first)."""

    def __init__(self, detail: str, *, title: str = "Not allowed in this state", **extra: Any) -> None:
        super().__init__(409, detail, title=title, **extra)


class Stale(Problem):
    """412: the caller's version (``If-Match``) is not the current one, or the row changed meanwhile."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(412, detail, **extra)


class VersionRequired(Problem):
    """428: a change to a versioned resource needs ``If-Match`` with the version the caller read."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(428, detail, **extra)


class Refused(Problem):
    """422: the request is well formed, but a rule refuses it; ``errors`` names each rule or field."""

    def __init__(self, detail: str, *, title: str = "Refused", errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        if errors is not None:
            extra["errors"] = errors
        super().__init__(422, detail, title=title, **extra)


class NotAllowed(Problem):
    """403: the caller is known but its role may not do this (a tenant's own resource only: else 404)."""

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(403, detail, **extra)
