"""Abri's identity checks, shared by the gateway and every service.

- :class:`abri_auth.tokens.TokenValidator` validates RFC 9068 JWT access tokens from any OIDC provider
  (discovery, cached JWKS refreshed on an unknown ``kid``, allow-listed algorithms, ``iss``/``aud``/
  ``exp``/``nbf``/``typ`` checks);
- :class:`abri_auth.principal.Principal` is who calls: subject, roles, organisation, scopes;
- :mod:`abri_auth.dependencies` gives FastAPI dependencies that require a valid token and scopes;
- :mod:`abri_auth.scoping` makes every query scoped to the caller's owner id or organisation.
"""

from abri_auth.errors import AuthError, InsufficientScope, InvalidToken
from abri_auth.principal import ROLES, Principal
from abri_auth.tokens import TokenPolicy, TokenValidator

__all__ = ["ROLES", "AuthError", "InsufficientScope", "InvalidToken", "Principal", "TokenPolicy", "TokenValidator"]
