"""Levels of assurance of a sign-in: the ``acr`` and ``amr`` claims (RFC 8176) that ID and access tokens carry.

``urn:abri:loa:password`` is a password alone; ``urn:abri:loa:mfa`` is a password and a second factor (a TOTP
code, ``amr`` ``pwd otp mfa``, or a single-use recovery code, ``amr`` ``pwd mfa``). Access tokens learn the
sign-in they stem from through :func:`authentication_for_token`, as they learn their audiences.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

LOA_PASSWORD = "urn:abri:loa:password"  # noqa: S105 (a level of assurance, not a password)
LOA_MFA = "urn:abri:loa:mfa"
ACR_VALUES_SUPPORTED = (LOA_PASSWORD, LOA_MFA)

AMR_PASSWORD = ("pwd",)
AMR_TOTP = ("pwd", "otp", "mfa")
AMR_RECOVERY_CODE = ("pwd", "mfa")


@dataclass(frozen=True)
class Authentication:
    """How and when a person proved who they are: kept by the sign-in session, the authorization code and
    the refresh tokens rotated from it (a refresh keeps the original)."""

    acr: str
    amr: tuple[str, ...]
    auth_time: int

    @classmethod
    def password(cls, at: int) -> Authentication:
        """A password alone."""
        return cls(LOA_PASSWORD, AMR_PASSWORD, at)

    @classmethod
    def second_factor(cls, at: int, amr: tuple[str, ...] = AMR_TOTP) -> Authentication:
        """A password and a second factor."""
        return cls(LOA_MFA, amr, at)

    @property
    def is_mfa(self) -> bool:
        """True when a second factor was given."""
        return self.acr == LOA_MFA

    def claims(self) -> dict[str, Any]:
        """``acr``, ``amr`` and ``auth_time``, as tokens carry them."""
        return {"acr": self.acr, "amr": list(self.amr), "auth_time": self.auth_time}


def asks_for_mfa(acr_values: str | None) -> bool:
    """True when an authorization request's ``acr_values`` (space-separated) names the MFA level."""
    return LOA_MFA in (acr_values or "").split()


_current: ContextVar[Authentication | None] = ContextVar("abri_idp_authentication", default=None)


@contextmanager
def authentication_for_token(authentication: Authentication | None) -> Iterator[None]:
    """Within this block, minted access tokens carry this sign-in's ``acr``, ``amr`` and ``auth_time``
    (none for client credentials)."""
    reset = _current.set(authentication)
    try:
        yield
    finally:
        _current.reset(reset)


def current_authentication() -> Authentication | None:
    """The sign-in the access token being minted stems from, if any."""
    return _current.get()
