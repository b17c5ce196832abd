"""authlib's Flask authorization server, with this provider's grants, token generator and endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector

from abri_idp.catalog import ALL_SCOPES
from abri_idp.clients import Client
from abri_idp.grants import AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant, RequiredS256Challenge
from abri_idp.oidc import AccessTokenValidator, EndSession, IssuerIdentification, OpenIDConnect
from abri_idp.provider import Provider
from abri_idp.tokens import AccessTokenGenerator


class AbriAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """The authorization server; grants reach the provider's state through :attr:`provider`."""

    def __init__(self, provider: Provider, sign_out: Callable[[], str | None]) -> None:
        super().__init__()
        self.provider = provider
        self.scopes_supported = list(ALL_SCOPES)
        settings = provider.settings
        self.register_token_generator("default", AccessTokenGenerator(settings.issuer, provider.keys, settings.access_token_ttl))
        self.register_grant(AuthorizationCodeGrant, [RequiredS256Challenge(), OpenIDConnect(provider)])
        self.register_grant(RefreshTokenGrant)
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(EndSession(provider, sign_out))
        self.register_extension(IssuerIdentification(settings.issuer))

    def query_client(self, client_id: str) -> Client | None:
        """A registered client."""
        return self.provider.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Nothing here: each grant keeps what it must (see ``abri_idp.grants``)."""


def userinfo_protector(provider: Provider) -> ResourceProtector:
    """Bearer-token protection for ``/userinfo``."""
    protector = ResourceProtector()
    protector.register_token_validator(AccessTokenValidator(provider))
    return protector
