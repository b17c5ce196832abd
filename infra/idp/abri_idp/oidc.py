"""OpenID Connect on authlib: ID tokens, the claims of a person, the userinfo token check, RP-initiated
logout and the ``iss`` authorization response parameter (RFC 9207)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from authlib.oauth2.claims import ClaimsOption
from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from authlib.oauth2.rfc9068.claims import JWTAccessTokenClaims
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import OpenIDCode, UserInfo
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from abri_idp.catalog import AUDIENCES
from abri_idp.clients import Client
from abri_idp.keys import ALGORITHM
from abri_idp.users import User

if TYPE_CHECKING:
    from abri_idp.provider import Provider


def person_claims(user: User, scope: str) -> dict[str, Any]:
    """The claims about a person for ID tokens and userinfo: ``sub`` always; with ``profile`` also ``name``,
    ``preferred_username``, ``roles`` and ``org_id`` (when they have one)."""
    claims: dict[str, Any] = dict(UserInfo(sub=user.subject, name=user.name, preferred_username=user.username).filter(scope))
    if "profile" in scope.split():
        claims["roles"] = list(user.roles)
        if user.org_id:
            claims["org_id"] = user.org_id
    return claims


class OpenIDConnect(OpenIDCode):  # type: ignore[misc]
    """Adds an ID token (RS256, ``kid`` in the header, ``aud`` = client id) to code exchanges with ``openid``."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=False)
        self.provider = provider
        self.DEFAULT_EXPIRES_IN = provider.settings.access_token_ttl

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        """A nonce this client used recently is a replay."""
        return self.provider.store.nonce_seen(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client: Client) -> KeySet:
        """The current signing key."""
        return self.provider.keys.signing_set()

    def get_client_algorithm(self, client: Client) -> str:
        """RS256 for everyone."""
        return ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        """``alg`` and ``typ``; joserfc adds the ``kid``."""
        return {"alg": ALGORITHM, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        """``iss``, ``aud`` and ``azp``."""
        return {"iss": self.provider.settings.issuer, "aud": client.client_id, "azp": client.client_id}

    def generate_user_info(self, user: User, scope: str) -> dict[str, Any]:
        """See :func:`person_claims`."""
        return person_claims(user, scope)


class AccessTokenValidator(JWTBearerTokenValidator):  # type: ignore[misc]
    """Checks this provider's own access tokens at ``/userinfo``: signature against the published keys,
    ``typ: at+jwt``, ``iss``, ``exp``, and an ``aud`` among the audiences it mints tokens for."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(issuer=provider.settings.issuer, resource_server=AUDIENCES[0])
        self.provider = provider

    def get_jwks(self) -> KeySet:
        """The published keys."""
        return self.provider.keys.verification_set()

    def authenticate_token(self, token_string: str) -> JWTAccessTokenClaims:
        """Like authlib's, except that any of this provider's audiences is accepted."""
        options: dict[str, ClaimsOption] = {
            "iss": {"essential": True, "value": self.issuer},
            "exp": {"essential": True},
            "aud": {"essential": True, "values": list(AUDIENCES)},
            "sub": {"essential": True},
            "client_id": {"essential": True},
            "iat": {"essential": True},
            "jti": {"essential": True},
        }
        try:
            token = jwt.decode(token_string, key=self.get_jwks(), algorithms=[ALGORITHM])
        except (JoseError, ValueError) as exc:
            raise InvalidTokenError(realm=self.realm, extra_attributes=self.extra_attributes) from exc
        if str(token.header.get("typ", "")).lower() not in ("at+jwt", "application/at+jwt"):
            raise InvalidTokenError(realm=self.realm, extra_attributes=self.extra_attributes)
        return JWTAccessTokenClaims(token.claims, token.header, options)


class EndSession(EndSessionEndpoint):  # type: ignore[misc]
    """RP-initiated logout. With a valid ``id_token_hint`` the provider signs the person out and redirects to
    a registered ``post_logout_redirect_uri``; without one, the person confirms first (a POST with the CSRF
    token, see ``abri_idp.web``), and that confirmation also makes the redirect legitimate."""

    def __init__(self, provider: Provider, sign_out: Callable[[], str | None]) -> None:
        super().__init__()
        self.provider = provider
        self._sign_out = sign_out

    def get_server_jwks(self) -> KeySet:
        """The published keys, to check ``id_token_hint``."""
        return self.provider.keys.verification_set()

    def get_algorithms(self) -> list[str]:
        """RS256 only."""
        return [ALGORITHM]

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        """Forget the browser's sign-in and revoke the person's refresh tokens for that client."""
        session_subject = self._sign_out()
        claims = end_session_request.id_token_claims or {}
        subject = claims.get("sub") or session_subject
        client = end_session_request.client
        if subject:
            self.provider.store.revoke_refresh_tokens(str(subject), client.client_id if client is not None else None)

    def is_post_logout_redirect_uri_legitimate(self, request: Any, post_logout_redirect_uri: str, client: Any, logout_hint: Any) -> bool:
        """Reached without an ``id_token_hint``: legitimate once the person confirmed (the CSRF-checked POST)."""
        return bool(request.method == "POST")


class IssuerIdentification(IssuerParameter):  # type: ignore[misc]
    """RFC 9207: authorization responses carry ``iss``."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def get_issuer(self) -> str:
        """This provider's issuer."""
        return self.issuer
