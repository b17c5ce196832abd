"""Authentication and authorisation failures, with their RFC 6750 ``WWW-Authenticate`` challenge."""

from __future__ import annotations


class AuthError(Exception):
    """Base of the failures that answer 401 or 403."""

    status = 401
    error = "invalid_token"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

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


class Forbidden(AuthError):
    """A valid token whose roles do not allow the action."""

    status = 403
    error = "insufficient_scope"
