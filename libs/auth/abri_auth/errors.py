"""Authentication and authorisation failures, with their RFC 6750 ``WWW-Authenticate`` challenge."""

from __future__ import annotations

from typing import Any


class AuthError(Exception):
    """Base of the failures that answer 401 or 403."""

    status = 401
    error = "invalid_token"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def extensions(self) -> dict[str, Any]:
        """Members the problem-details body carries besides its title and detail (none by default)."""
        return {}

    def challenge(self, realm: str = "abri") -> str:
        """The ``WWW-Authenticate`` header value (RFC 6750 section 3)."""
        safe = self.description.replace('"', "'")
        return f'Bearer realm="{realm}", error="{self.error}", error_description="{safe}"'


class MissingToken(AuthError):
    """No bearer token: RFC 6750 says no error code then."""

    def challenge(self, realm: str = "abri") -> str:
        """A bare challenge."""
        return f'Bearer realm="{realm}"'


class InvalidToken(AuthError):
    """The token is malformed, forged, expired, or meant for someone else."""


class InsufficientScope(AuthError):
    """A valid token without a scope the route needs."""

    status = 403
    error = "insufficient_scope"

    def __init__(self, description: str, scopes: tuple[str, ...]) -> None:
        super().__init__(description)
        self.scopes = scopes

    def challenge(self, realm: str = "abri") -> str:
        """The challenge names the scopes needed."""
        return super().challenge(realm) + f', scope="{" ".join(self.scopes)}"'


class InsufficientUserAuthentication(AuthError):
    """A valid token whose authentication is too weak or too old for the operation (RFC 9470 step-up)."""

    error = "insufficient_user_authentication"

    def __init__(self, description: str, *, acr_values: tuple[str, ...], max_age: int | None = None) -> None:
        super().__init__(description)
        self.acr_values = acr_values
        self.max_age = max_age

    def challenge(self, realm: str = "abri") -> str:
        """The challenge names the ``acr_values`` (and ``max_age``) to ask the provider for."""
        text = super().challenge(realm) + f', acr_values="{" ".join(self.acr_values)}"'
        return text if self.max_age is None else text + f', max_age="{self.max_age}"'

    def extensions(self) -> dict[str, Any]:
        """The same, as members of the problem-details body."""
        members: dict[str, Any] = {"acr_values": " ".join(self.acr_values)}
        if self.max_age is not None:
            members["max_age"] = self.max_age
        return members


class Forbidden(AuthError):
    """A valid token whose roles do not allow the action."""

    status = 403
    error = "insufficient_scope"
