"""Where the provider listens, what it calls itself and where it keeps its state, from ``ABRI_IDP_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[3]
"""The repository root (``infra/idp/abri_idp/settings.py`` is three levels below it)."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
DEFAULT_WEB_REDIRECT_URIS = ("http://127.0.0.1:8000/callback", "http://localhost:8000/callback")
DEFAULT_MFA_ROLES = ("social_worker", "fund_agent", "ops")
"""Roles whose holders give a second factor at every sign-in (the professionals who see households' data)."""
PEOPLE_ROLES = ("owner", "social_worker", "fund_agent", "household", "ops")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class SettingsError(ValueError):
    """An ``ABRI_IDP_*`` variable has a value the provider refuses."""


@dataclass(frozen=True)
class Settings:
    """The provider's configuration; every field has a development default."""

    host: str = "127.0.0.1"
    port: int = 8100
    issuer: str = "http://127.0.0.1:8100"
    directory: Path = REPO / ".run" / "idp"
    web_redirect_uris: tuple[str, ...] = DEFAULT_WEB_REDIRECT_URIS
    web_post_logout_redirect_uris: tuple[str, ...] = ("http://127.0.0.1:8000/", "http://localhost:8000/")
    access_token_ttl: int = 600
    refresh_token_ttl: int = 8 * 3600
    mfa_roles: tuple[str, ...] = DEFAULT_MFA_ROLES
    mfa_max_attempts: int = 5
    mfa_lockout_seconds: int = 300
    dev_show_totp: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``ABRI_IDP_HOST``, ``_PORT``, ``_ISSUER``, ``_DIR``, ``_WEB_REDIRECT_URIS``,
        ``_WEB_POST_LOGOUT_REDIRECT_URIS``, ``_ACCESS_TOKEN_TTL``, ``_REFRESH_TOKEN_TTL``, ``_MFA_ROLES``,
        ``_MFA_MAX_ATTEMPTS``, ``_MFA_LOCKOUT_SECONDS`` and ``_DEV_SHOW_TOTP``."""
        env = os.environ if env is None else env
        host = env.get("ABRI_IDP_HOST", "127.0.0.1")
        if host not in LOOPBACK_HOSTS:
            raise SettingsError(f"ABRI_IDP_HOST={host!r}: this development provider listens on the loopback interface only")
        port = _integer(env, "ABRI_IDP_PORT", 8100, low=1, high=65535)
        url_host = f"[{host}]" if ":" in host else host
        issuer = _url(env.get("ABRI_IDP_ISSUER") or f"http://{url_host}:{port}", "ABRI_IDP_ISSUER").rstrip("/")
        redirects = _url_list(env, "ABRI_IDP_WEB_REDIRECT_URIS", DEFAULT_WEB_REDIRECT_URIS)
        default_logout = tuple(dict.fromkeys(_origin(uri) + "/" for uri in redirects))
        return cls(
            host=host,
            port=port,
            issuer=issuer,
            directory=Path(env.get("ABRI_IDP_DIR") or REPO / ".run" / "idp").resolve(),
            web_redirect_uris=redirects,
            web_post_logout_redirect_uris=_url_list(env, "ABRI_IDP_WEB_POST_LOGOUT_REDIRECT_URIS", default_logout),
            access_token_ttl=_integer(env, "ABRI_IDP_ACCESS_TOKEN_TTL", 600, low=10, high=86400),
            refresh_token_ttl=_integer(env, "ABRI_IDP_REFRESH_TOKEN_TTL", 8 * 3600, low=60, high=30 * 86400),
            mfa_roles=_roles(env, "ABRI_IDP_MFA_ROLES", DEFAULT_MFA_ROLES),
            mfa_max_attempts=_integer(env, "ABRI_IDP_MFA_MAX_ATTEMPTS", 5, low=1, high=100),
            mfa_lockout_seconds=_integer(env, "ABRI_IDP_MFA_LOCKOUT_SECONDS", 300, low=1, high=86400),
            dev_show_totp=_flag(env, "ABRI_IDP_DEV_SHOW_TOTP"),
        )


def _integer(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is outside {low}..{high}")
    return value


def _roles(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    roles = tuple(dict.fromkeys(item.strip() for item in raw.split(",") if item.strip()))
    unknown = [role for role in roles if role not in PEOPLE_ROLES]
    if unknown:
        raise SettingsError(f"{name}: unknown roles {', '.join(unknown)} (known: {', '.join(PEOPLE_ROLES)})")
    return roles


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise SettingsError(f"{name}={raw!r}: say 1 or 0")
    return raw in _TRUE


def _url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"{name}={value!r} must be an http(s) URL without query or fragment")
    return value


def _url_list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if not raw:
        return default
    values = tuple(_url(item.strip(), name) for item in raw.split(",") if item.strip())
    if not values:
        raise SettingsError(f"{name} names no URL")
    return values


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
