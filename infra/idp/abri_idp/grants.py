"""authlib grants wired to the provider: authorization code (PKCE S256 required), refresh token (rotated on
every use), client credentials; and the ``resource`` (RFC 8707) / ``audience`` choice of token audiences."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import (
    BaseGrant,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc7636 import CodeChallenge

from abri_idp.assurance import Authentication, authentication_for_token
from abri_idp.catalog import DEFAULT_AUDIENCE, ordered
from abri_idp.clients import TOKEN_AUTH_METHODS, Client
from abri_idp.store import AuthorizationCode, RefreshToken
from abri_idp.tokens import audiences_for_token
from abri_idp.users import User

if TYPE_CHECKING:
    from abri_idp.provider import Provider


AUTHORIZATION_CODE_TTL = 120
"""Seconds a code may wait for its exchange (RFC 6749 recommends at most ten minutes)."""


class InvalidTargetError(OAuth2Error):  # type: ignore[misc]
    """RFC 8707: the requested resource is not one this client may get tokens for."""

    error = "invalid_target"


@dataclass(frozen=True)
class SignedIn:
    """The person who approved an authorization request, and how and when they authenticated."""

    user: User
    authentication: Authentication


def requested_audiences(request: OAuth2Request, client: Client, *, within: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The ``resource`` / ``audience`` values of the request, each checked against the client's list (and
    against ``within``, what was granted before, when that is not empty)."""
    values = [*request.payload.datalist.get("resource", []), *request.payload.datalist.get("audience", [])]
    wanted = tuple(dict.fromkeys(value for item in values for value in item.split()))
    refused = [aud for aud in wanted if aud not in client.spec.audiences or (within and aud not in within)]
    if refused:
        named = all(re.fullmatch(r"[A-Za-z0-9_.:/-]{1,100}", aud) for aud in refused)  # error text must stay plain ASCII
        raise InvalidTargetError(f"this client may not get tokens for: {' '.join(refused) if named else 'that resource'}")
    return wanted


class _AudienceGrant(BaseGrant):  # type: ignore[misc]
    """Mints tokens for the audiences :meth:`token_audiences` resolves."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_AUTH_METHODS)

    @property
    def provider(self) -> Provider:
        """The provider that registered this grant."""
        provider: Provider = self.server.provider
        return provider

    def token_audiences(self) -> tuple[str, ...]:
        """The audiences of the token being minted."""
        return requested_audiences(self.request, self.request.client) or (DEFAULT_AUDIENCE,)

    def token_authentication(self) -> Authentication | None:
        """The sign-in the token stems from (its ``acr``, ``amr``, ``auth_time``); none for machines."""
        return None

    def generate_token(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """authlib's token generation, with the resolved audiences and the sign-in it stems from."""
        self.audiences = self.token_audiences()
        with audiences_for_token(self.audiences), authentication_for_token(self.token_authentication()):
            token: dict[str, Any] = super().generate_token(*args, **kwargs)
        return token

    def keep_refresh_token(
        self, token: dict[str, Any], subject: str, scope: str, family: str | None, authentication: Authentication
    ) -> None:
        """Store the refresh token of a token response, if it holds one."""
        value = token.get("refresh_token")
        if value:
            self.provider.store.save_refresh_token(
                RefreshToken(
                    token=value,
                    client_id=self.request.client.client_id,
                    subject=subject,
                    scope=scope,
                    audiences=self.audiences,
                    family=family or value,
                    expires_at=time.time() + self.provider.settings.refresh_token_ttl,
                    authentication=authentication,
                )
            )


class RequiredS256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE (RFC 7636) with S256, required of every client, public or confidential (RFC 9700, 2.1.1).
    A code whose verifier check fails is destroyed."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        """Refuse an authorization request without an S256 ``code_challenge``."""
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' with 'code_challenge_method=S256'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is supported.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        """Check the ``code_verifier``; on failure the code cannot be tried again."""
        try:
            super().validate_code_verifier(grant, result)
        except OAuth2Error:
            grant.delete_authorization_code(grant.request.authorization_code)
            raise


class AuthorizationCodeGrant(_AudienceGrant, grants.AuthorizationCodeGrant):  # type: ignore[misc]
    """Authorization code grant; the granted scope is what the client asked for, narrowed to the person's roles."""

    def validate_authorization_request(self) -> str:
        """authlib's checks, plus the ``resource`` parameter (errors go back to the client's redirect URI)."""
        redirect_uri: str = super().validate_authorization_request()
        try:
            requested_audiences(self.request, self.request.client)
        except OAuth2Error as error:
            error.redirect_uri = redirect_uri
            raise
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        """Keep the code with everything the token request will need."""
        signed_in: SignedIn = request.user
        client: Client = request.client
        data = request.payload.data
        scope = ordered(set(request.scope.split()) & signed_in.user.allowed_scopes)
        self.provider.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=client.client_id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=scope,
                subject=signed_in.user.subject,
                audiences=requested_audiences(request, client),
                code_challenge=data["code_challenge"],
                code_challenge_method=data.get("code_challenge_method") or "S256",
                auth_time=signed_in.authentication.auth_time,
                acr=signed_in.authentication.acr,
                amr=signed_in.authentication.amr,
                nonce=data.get("nonce"),
                expires_at=time.time() + AUTHORIZATION_CODE_TTL,
            ),
            nonce_ttl=self.provider.settings.access_token_ttl,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        """The live code issued to this client."""
        return self.provider.store.find_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """A code is used once."""
        self.provider.store.delete_code(authorization_code.code)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        """The person who approved the code."""
        return self.provider.users.by_subject(authorization_code.subject)

    def token_audiences(self) -> tuple[str, ...]:
        """Asked for at the token endpoint (within what the authorization request named), else at the
        authorization endpoint, else ``abri-api``."""
        code: AuthorizationCode = self.request.authorization_code
        within = code.audiences
        return requested_audiences(self.request, self.request.client, within=within) or within or (DEFAULT_AUDIENCE,)

    def token_authentication(self) -> Authentication:
        """The sign-in that approved the code."""
        code: AuthorizationCode = self.request.authorization_code
        return code.authentication

    def save_token(self, token: dict[str, Any]) -> None:
        """Keep the refresh token, which starts a new rotation family."""
        code: AuthorizationCode = self.request.authorization_code
        self.keep_refresh_token(token, code.subject, code.scope, None, code.authentication)


class RefreshTokenGrant(_AudienceGrant, grants.RefreshTokenGrant):  # type: ignore[misc]
    """Refresh token grant: every use returns a new refresh token and retires the old one; presenting a
    retired one revokes the whole family (see :meth:`abri_idp.store.Store.find_refresh_token`)."""

    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        """The live refresh token, claimed at once so that two concurrent uses cannot both succeed."""
        found = self.provider.store.find_refresh_token(refresh_token)
        if found is not None:
            self.provider.store.mark_used(found.token)
        return found

    def authenticate_user(self, refresh_token: RefreshToken) -> User | None:
        """The person the refresh token was issued for."""
        return self.provider.users.by_subject(refresh_token.subject)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        """Already retired when it was claimed."""
        self.provider.store.mark_used(refresh_token.token)

    def token_audiences(self) -> tuple[str, ...]:
        """The audiences of the original grant, or a subset of them asked for now."""
        original: RefreshToken = self.request.refresh_token
        return requested_audiences(self.request, self.request.client, within=original.audiences) or original.audiences

    def token_authentication(self) -> Authentication:
        """The original sign-in: a refresh does not authenticate anyone again."""
        original: RefreshToken = self.request.refresh_token
        return original.authentication

    def save_token(self, token: dict[str, Any]) -> None:
        """Keep the new refresh token in the same family, with the original scope, audiences and sign-in."""
        original: RefreshToken = self.request.refresh_token
        self.audiences = original.audiences
        self.keep_refresh_token(token, original.subject, original.scope, original.family, original.authentication)


class ClientCredentialsGrant(_AudienceGrant, grants.ClientCredentialsGrant):  # type: ignore[misc]
    """Client credentials grant: a scope outside the client's roles is refused rather than dropped."""

    def validate_token_request(self) -> None:
        """authlib's checks, plus the client's own scope list."""
        super().validate_token_request()
        client: Client = self.request.client
        refused = [scope for scope in (self.request.payload.scope or "").split() if scope not in client.allowed_scopes]
        if refused:
            raise InvalidScopeError(f"this client may not ask for: {' '.join(refused)}")

    def save_token(self, token: dict[str, Any]) -> None:
        """Nothing to keep: no refresh token for machines."""
