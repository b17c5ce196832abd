"""Invitations that link a household's record to its own sign-in account. Pure.

A social worker of the household's association creates one; the person accepts it once, signed in with
the ``household`` role, by giving its code. The code is the whole proof: 20 symbols of Crockford's base32
(100 random bits, ``secrets``), shown once and stored only as its SHA-256. At 100 bits nobody guesses
one: a million tries a second for the 14 days an invitation lives, against a million pending
invitations at once, finds one with a chance below 10^-12 (the gateway's rate limit comes on top).
A high-entropy code needs no salt nor slow hash: nothing smaller than the code itself can be tried.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base32: no I, L, O nor U, so that a code read aloud or copied by hand is not mistaken."""
CODE_SYMBOLS = 20
"""100 bits (5 a symbol)."""
GROUP = 4
"""A code is shown in groups of four (``7K2M-...``); the groups' dashes and spaces are ignored when typed."""
_SAME = str.maketrans({"O": "0", "I": "1", "L": "1"})
"""What Crockford's base32 reads as the digit a typist meant."""


class InvitationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class InvitationPolicy:
    """How long an invitation may be accepted (Abri's choice, no law: long enough to reach a person
    without a phone of their own, short enough that a forgotten code dies)."""

    valid_for: timedelta = timedelta(days=14)


def new_code() -> str:
    """A fresh code, grouped for reading (``XXXX-XXXX-XXXX-XXXX-XXXX``)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_SYMBOLS))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_SYMBOLS, GROUP))


def normalised(typed: str) -> str | None:
    """The code as stored (upper case, without dashes or spaces, O read as 0, I and L as 1); None when it
    cannot be a code (then it matches nothing, like a wrong one)."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_SAME)
    if len(code) != CODE_SYMBOLS or any(symbol not in ALPHABET for symbol in code):
        return None
    return code


def code_hash(code: str) -> str:
    """What the database keeps of a code: the SHA-256 of its normalised form, in hex."""
    canonical = normalised(code)
    if canonical is None:
        raise ValueError("not an invitation code")
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def state_of(*, accepted_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime) -> InvitationState:
    """Where an invitation stands at ``now`` (accepted and revoked are final; pending lapses at ``expires_at``)."""
    if accepted_at is not None:
        return InvitationState.ACCEPTED
    if revoked_at is not None:
        return InvitationState.REVOKED
    if now >= expires_at:
        return InvitationState.EXPIRED
    return InvitationState.PENDING


ACCOUNT_LINKED = "account_linked"
ACCOUNT_UNLINKED = "account_unlinked"
"""What the household's access log records when an account gains or loses the household's data (the
person who accepted an invitation; the social worker who unlinked it): the log says who may read them."""
