"""The registered clients, as data; their secrets live in ``credentials.env``."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from abri_idp.catalog import ALL_SCOPES, AUDIENCES, DEFAULT_AUDIENCE, scopes_for_roles
from abri_idp.credentials import client_secret_key
from abri_idp.settings import Settings

WEB_CLIENT = "abri-web"
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class ClientSpec:
    """A client's registration. A client that signs people in may ask for every scope (the person's roles
    narrow it); a machine client gets the scopes of its own ``roles``, and its tokens carry them."""

    client_id: str
    name: str
    grant_types: tuple[str, ...]
    roles: tuple[str, ...] = ()
    org_id: str | None = None
    audiences: tuple[str, ...] = (DEFAULT_AUDIENCE,)


CLIENT_SPECS: tuple[ClientSpec, ...] = (
    ClientSpec(WEB_CLIENT, "Abri", ("authorization_code", "refresh_token")),
    ClientSpec("abri-partner-demo", "Partner system of association assoc-1", ("client_credentials",), ("partner",), "assoc-1"),
    ClientSpec("abri-tests", "Abri tests", ("client_credentials",), ("ops",), audiences=AUDIENCES),
)


@dataclass
class Client:
    """A registered client, with the methods authlib's ``ClientMixin`` asks for."""

    spec: ClientSpec
    secret: str = field(repr=False)
    redirect_uris: tuple[str, ...] = ()
    client_metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def client_id(self) -> str:
        """The ``client_id``."""
        return self.spec.client_id

    @property
    def signs_people_in(self) -> bool:
        """True for clients of the authorization code flow."""
        return "authorization_code" in self.spec.grant_types

    @property
    def allowed_scopes(self) -> frozenset[str]:
        """Every scope the client may ask for."""
        return frozenset(ALL_SCOPES) if self.signs_people_in else scopes_for_roles(self.spec.roles, person=False)

    def get_client_id(self) -> str:
        """authlib: the client id."""
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        """authlib: the first registered redirect URI."""
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        """authlib: the requested scopes this client may have; when none were requested, its default scopes."""
        if scope is None:
            return " ".join(s for s in ALL_SCOPES if s in self.allowed_scopes and s != "offline_access")
        return " ".join(dict.fromkeys(s for s in scope.split() if s in self.allowed_scopes))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """authlib: exact match against the registered redirect URIs."""
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        """authlib: constant-time comparison."""
        return secrets.compare_digest(self.secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """authlib: every client is confidential and authenticates with its secret (basic or post)."""
        return method in TOKEN_AUTH_METHODS if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        """authlib: only ``code``, only for clients of the authorization code flow."""
        return response_type == "code" and self.signs_people_in

    def check_grant_type(self, grant_type: str) -> bool:
        """authlib: the registered grant types."""
        return grant_type in self.spec.grant_types


def build_clients(settings: Settings, credentials: Mapping[str, str]) -> dict[str, Client]:
    """The clients of this install, with their secrets and the web client's configured redirect URIs."""
    clients: dict[str, Client] = {}
    for spec in CLIENT_SPECS:
        client = Client(spec, credentials[client_secret_key(spec.client_id)])
        if spec.client_id == WEB_CLIENT:
            client.redirect_uris = settings.web_redirect_uris
            client.client_metadata["post_logout_redirect_uris"] = list(settings.web_post_logout_redirect_uris)
        clients[spec.client_id] = client
    return clients
