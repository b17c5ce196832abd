"""Who is calling: taken from a validated access token's claims, never from a header alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from abri_auth.errors import Forbidden, InsufficientScope

ROLES = frozenset({"owner", "social_worker", "fund_agent", "ops", "household", "partner"})
"""Roles Abri knows (docs/identity.md); ``partner`` is a partner system of an organisation."""


@dataclass(frozen=True)
class Principal:
    """The caller: subject, roles, organisation (association or fund), scopes, and the raw token."""

    subject: str
    roles: frozenset[str]
    org_id: str | None
    scopes: frozenset[str]
    client_id: str | None = None
    name: str | None = None
    token: str = field(default="", repr=False)
    acr: str | None = None
    """How strongly the person signed in (``abri_auth.assurance``); none for a client's own token."""
    amr: frozenset[str] = frozenset()
    """The authentication methods used (RFC 8176: ``pwd``, ``otp``, ``mfa``)."""
    auth_time: int | None = None
    """When the person actually authenticated (seconds since the epoch); a refreshed token keeps it."""

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], token: str = "") -> Principal:
        """Build from access-token claims: ``sub``, ``roles`` (or Keycloak's ``realm_access.roles``),
        ``org_id``, ``scope``, ``client_id`` (or ``azp``), ``acr``, ``amr``, ``auth_time``."""
        roles: Iterable[Any] = claims.get("roles") or (claims.get("realm_access") or {}).get("roles") or ()
        scope = claims.get("scope") or ""
        org = claims.get("org_id")
        return cls(
            subject=str(claims["sub"]),
            roles=frozenset(str(r) for r in roles if str(r) in ROLES),
            org_id=str(org) if org else None,
            scopes=frozenset(scope.split() if isinstance(scope, str) else (str(s) for s in scope)),
            client_id=claims.get("client_id") or claims.get("azp"),
            name=claims.get("name"),
            token=token,
            acr=str(claims["acr"]) if claims.get("acr") else None,
            amr=frozenset(str(m) for m in amr) if isinstance(amr := claims.get("amr"), list) else frozenset(),
            auth_time=auth_time if isinstance(auth_time := claims.get("auth_time"), int) and not isinstance(auth_time, bool) else None,
        )

    def has_role(self, *roles: str) -> bool:
        """True if the caller holds any of ``roles``."""
        return bool(self.roles.intersection(roles))

    def require_role(self, *roles: str) -> None:
        """403 unless the caller holds one of ``roles``."""
        if not self.has_role(*roles):
            raise Forbidden(f"this action needs one of the roles: {', '.join(sorted(roles))}")

    def require_scopes(self, *scopes: str) -> None:
        """403 unless the token carries every one of ``scopes``."""
        missing = tuple(s for s in scopes if s not in self.scopes)
        if missing:
            raise InsufficientScope(f"missing scope: {' '.join(missing)}", missing)

    def require_org(self) -> str:
        """The caller's organisation; 403 if the token names none."""
        if not self.org_id:
            raise Forbidden("this action needs an organisation (org_id) in the token")
        return self.org_id
