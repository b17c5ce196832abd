"""RFC 9068 access tokens (``typ: at+jwt``, RS256) through authlib's ``JWTBearerTokenGenerator``."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet

from abri_idp.assurance import current_authentication
from abri_idp.catalog import DEFAULT_AUDIENCE
from abri_idp.clients import Client
from abri_idp.keys import ALGORITHM, SigningKeys
from abri_idp.users import User

_audiences: ContextVar[tuple[str, ...]] = ContextVar("abri_idp_audiences", default=(DEFAULT_AUDIENCE,))


@contextmanager
def audiences_for_token(audiences: tuple[str, ...]) -> Iterator[None]:
    """Within this block, minted access tokens carry ``audiences`` (authlib's generator is not told the
    request, so the grant that resolved the ``resource`` parameter passes it this way)."""
    reset = _audiences.set(audiences)
    try:
        yield
    finally:
        _audiences.reset(reset)


def _refresh_token(**_: Any) -> str:
    return secrets.token_urlsafe(32)


class AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """Claims: ``iss sub aud exp iat nbf jti client_id scope roles`` plus ``org_id`` when there is one and,
    for people, ``name``, ``acr``, ``amr`` and ``auth_time`` (those of the sign-in, kept across refreshes).
    Machine tokens carry the client's roles and organisation, ``sub`` = client id."""

    def __init__(self, issuer: str, keys: SigningKeys, ttl: int) -> None:
        super().__init__(
            issuer=issuer,
            alg=ALGORITHM,
            refresh_token_generator=_refresh_token,
            expires_generator=lambda client, grant_type: ttl,
        )
        self._keys = keys

    def get_jwks(self) -> KeySet:
        """The current signing key (joserfc puts its ``kid`` in the header)."""
        return self._keys.signing_set()

    def get_audiences(self, client: Client, user: User | None, scope: str) -> str | list[str]:
        """The resolved audiences: one string for one audience, a list otherwise."""
        audiences = _audiences.get()
        return audiences[0] if len(audiences) == 1 else list(audiences)

    def get_jti(self, client: Client, grant_type: str, user: User | None, scope: str) -> str:
        """A random token id."""
        return secrets.token_urlsafe(16)

    def get_extra_claims(self, client: Client, grant_type: str, user: User | None, scope: str) -> dict[str, Any]:
        """``nbf``, ``roles``, ``org_id`` and, for people, ``name``, ``acr``, ``amr`` and ``auth_time``."""
        claims: dict[str, Any] = {"nbf": int(time.time())}
        if user is not None:
            claims.update(roles=list(user.roles), name=user.name)
            authentication = current_authentication()
            if authentication is not None:
                claims.update(authentication.claims())
            org_id = user.org_id
        else:
            claims["roles"] = list(client.spec.roles)
            org_id = client.spec.org_id
        if org_id:
            claims["org_id"] = org_id
        return claims
