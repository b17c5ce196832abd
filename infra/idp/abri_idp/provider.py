"""Everything a running provider holds: settings, signing keys, people, clients and the in-memory store."""

from __future__ import annotations

from dataclasses import dataclass, field

from abri_idp.clients import CLIENT_SPECS, Client, build_clients
from abri_idp.credentials import SESSION_SECRET, client_secret_key, ensure_credentials, locked, password_key, totp_key
from abri_idp.keys import SigningKeys, ensure_keys
from abri_idp.mfa import MFA_KEY, Attempts, MfaStore
from abri_idp.settings import Settings
from abri_idp.store import Store
from abri_idp.users import DEMO_USERS, User, UserDirectory

PRIVATE_CREDENTIALS = frozenset({SESSION_SECRET, MFA_KEY})
"""Keys of ``credentials.env`` that ``python -m abri_idp env`` does not print."""


def credential_keys() -> list[str]:
    """Every key ``credentials.env`` holds: client secrets, demo passwords and TOTP secrets, the
    session-cookie key, the key of ``mfa.json``."""
    return [
        *(client_secret_key(spec.client_id) for spec in CLIENT_SPECS),
        *(password_key(user.username) for user in DEMO_USERS),
        *(totp_key(user.username) for user in DEMO_USERS),
        SESSION_SECRET,
        MFA_KEY,
    ]


def provision(settings: Settings) -> dict[str, str]:
    """Create the state directory, ``credentials.env``, the first signing key and ``mfa.json`` if missing;
    return the credentials. At first start the demo people whose roles require a second factor are enrolled
    with their ``ABRI_IDP_TOTP_<USER>`` secret, so that they can sign in at once (tests, ``make run``)."""
    with locked(settings.directory):
        credentials = ensure_credentials(settings.directory, credential_keys())
    ensure_keys(settings.directory)
    demo = {user.subject: credentials[totp_key(user.username)] for user in DEMO_USERS if requires_mfa_by_role(user, settings)}
    MfaStore(settings.directory, credentials[MFA_KEY]).enrol_demo_people(demo)
    return credentials


def requires_mfa_by_role(user: User, settings: Settings) -> bool:
    """True when one of the person's roles must give a second factor at every sign-in."""
    return bool(set(user.roles) & set(settings.mfa_roles))


@dataclass
class Provider:
    """The provider's state, shared by the authorization server, its grants and the web routes."""

    settings: Settings
    credentials: dict[str, str]
    keys: SigningKeys
    users: UserDirectory
    clients: dict[str, Client]
    mfa: MfaStore
    attempts: Attempts
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
            mfa=MfaStore(settings.directory, credentials[MFA_KEY]),
            attempts=Attempts(settings.mfa_max_attempts, settings.mfa_lockout_seconds),
        )

    def requires_mfa(self, user: User) -> bool:
        """True when the person must give a second factor at sign-in: by role, or because they turned it on."""
        return requires_mfa_by_role(user, self.settings) or self.mfa.is_enrolled(user.subject)

    def endpoint(self, path: str) -> str:
        """An absolute URL under the issuer."""
        return f"{self.settings.issuer}{path}"
