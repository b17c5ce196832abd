"""RFC 9068 JWT access-token validation, the same at the gateway and in every service.

Checks, in order: the token is a compact JWS; its ``typ`` is ``at+jwt`` (RFC 9068 section 4), so that
an ID token cannot be used as an access token; its algorithm is allow-listed (RS256, ES256, EdDSA: no
``none``, no HMAC that would accept a token "signed" with our public key); its ``kid`` names a key of
the issuer (refreshing the JWKS once if not); the signature; then ``iss``, ``aud``, ``exp``, ``nbf`` and
``iat`` with a small leeway for clock skew.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError

from abri_auth.errors import InvalidToken
from abri_auth.jwks import IssuerUnavailable, JWKSCache
from abri_auth.principal import Principal

ALLOWED_ALGORITHMS = ("RS256", "ES256", "EdDSA")
ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")


@dataclass(frozen=True)
class TokenPolicy:
    """What a valid access token looks like for us."""

    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ALLOWED_ALGORITHMS
    token_types: tuple[str, ...] = ACCESS_TOKEN_TYPES
    leeway_s: int = 30
    required_claims: tuple[str, ...] = field(default=("iss", "sub", "aud", "exp", "iat"))


class TokenValidator:
    """Validates bearer tokens against one issuer's keys and a :class:`TokenPolicy`."""

    def __init__(
        self, policy: TokenPolicy, http: httpx.AsyncClient, *, jwks_uri: str | None = None, min_refresh_interval: float = 30.0
    ) -> None:
        self.policy = policy
        self.keys = JWKSCache(policy.issuer, http, jwks_uri=jwks_uri, min_refresh_interval=min_refresh_interval)

    async def validate(self, token: str) -> Principal:
        """The caller named by a valid token; :class:`InvalidToken` otherwise."""
        claims = await self.claims(token)
        return Principal.from_claims(claims, token)

    async def claims(self, token: str) -> dict[str, Any]:
        """The claims of a valid token; :class:`InvalidToken` otherwise."""
        policy = self.policy
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError, UnicodeError) as exc:
            raise InvalidToken("the token is not a signed JWT") from exc
        if header.get("typ") not in policy.token_types:
            raise InvalidToken(f"the token type {header.get('typ')!r} is not an access token (at+jwt)")
        if header.get("alg") not in policy.algorithms:
            raise InvalidToken(f"the algorithm {header.get('alg')!r} is not allowed")
        kid = header.get("kid")
        try:
            keys = await self.keys.key_set(kid)
        except IssuerUnavailable as exc:
            raise InvalidToken("the token's issuer cannot be reached to check it") from exc
        try:
            decoded = jwt.decode(token, keys, algorithms=list(policy.algorithms))
        except JoseError as exc:
            raise InvalidToken(f"the token's signature is not valid ({exc.error})") from exc
        registry = jwt.JWTClaimsRegistry(
            now=int(time.time()),
            leeway=policy.leeway_s,
            iss={"essential": True, "value": policy.issuer},
            aud={"essential": True, "value": policy.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise InvalidToken(_describe(exc)) from exc
        missing = [name for name in policy.required_claims if name not in decoded.claims]
        if missing:
            raise InvalidToken(f"the token lacks the claims {', '.join(missing)}")
        claims: dict[str, Any] = dict(decoded.claims)
        return claims


def _describe(exc: JoseError) -> str:
    text = str(exc)
    if "expired" in text:
        return "the token has expired"
    if "not yet valid" in text:
        return "the token is not valid yet"
    for claim, description in (
        ("iss", "the token comes from another issuer"),
        ("aud", "the token is meant for another audience"),
        ("iat", "the token's issue time is not valid"),
        ("sub", "the token names no subject"),
    ):
        if f"'{claim}'" in text:
            return description
    return f"the token's claims are not valid ({exc.error})"
