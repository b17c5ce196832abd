"""Everything a running provider holds: settings, signing keys, people, clients and the in-memory store."""

from __future__ import annotations

from dataclasses import dataclass, field

from abri_idp.clients import CLIENT_SPECS, Client, build_clients
from abri_idp.credentials import SESSION_SECRET, client_secret_key, ensure_credentials, locked, password_key
from abri_idp.keys import SigningKeys, ensure_keys
from abri_idp.settings import Settings
from abri_idp.store import Store
from abri_idp.users import DEMO_USERS, UserDirectory


def credential_keys() -> list[str]:
    """Every key ``credentials.env`` holds: client secrets, demo passwords, the session-cookie key."""
    return [
        *(client_secret_key(spec.client_id) for spec in CLIENT_SPECS),
        *(password_key(user.username) for user in DEMO_USERS),
        SESSION_SECRET,
    ]


def provision(settings: Settings) -> dict[str, str]:
    """Create the state directory, ``credentials.env`` and the first signing key if missing; return the
    credentials."""
    with locked(settings.directory):
        credentials = ensure_credentials(settings.directory, credential_keys())
    ensure_keys(settings.directory)
    return credentials


@dataclass
class Provider:
    """The provider's state, shared by the authorization server, its grants and the web routes."""

    settings: Settings
    credentials: dict[str, str]
    keys: SigningKeys
    users: UserDirectory
    clients: dict[str, Client]
    store: Store = field(default_factory=Store)

    @classmethod
    def load(cls, settings: Settings) -> Provider:
        """Provision the state directory if needed and load it."""
        credentials = provision(settings)
        return cls(
            settings=settings,
            credentials=credentials,
            keys=SigningKeys(settings.directory),
            users=UserDirectory(DEMO_USERS, credentials),
            clients=build_clients(settings, credentials),
        )

    def endpoint(self, path: str) -> str:
        """An absolute URL under the issuer."""
        return f"{self.settings.issuer}{path}"
