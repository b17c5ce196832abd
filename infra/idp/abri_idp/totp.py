"""Time-based one-time passwords (RFC 6238: 30 s steps, 6 digits, SHA-1, as every authenticator app reads
them), their QR code, and the single-use recovery codes. Pure functions: storage is ``abri_idp.mfa``."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1
"""Codes of the previous and next step are accepted too (clocks drift, people type slowly)."""

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_secret() -> str:
    """A random 160-bit base32 secret (RFC 4226 recommends 160 bits)."""
    return pyotp.random_base32(32)


def step_at(now: float) -> int:
    """The time step ``now`` falls in."""
    return int(now // STEP_SECONDS)


def code_at_step(secret: str, step: int) -> str:
    """The code of ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def digits_of(code: str) -> str:
    """What a person typed, without spaces or dashes."""
    return re.sub(r"[\s-]", "", code)


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The step within the window whose code is ``code``, if any (compared in constant time)."""
    typed = digits_of(code)
    if not re.fullmatch(rf"[0-9]{{{DIGITS}}}", typed):
        return None
    current = step_at(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(code_at_step(secret, step), typed):
            found = step
    return found


def usable_step(now: float, used: set[int], *, margin: float = 3.0) -> int | None:
    """A step within the window whose code was not used yet: the current one, else the next, else the
    previous (when it still has ``margin`` seconds to live). None when all three were used."""
    current = step_at(now)
    previous_ends = (current + WINDOW) * STEP_SECONDS - now  # the previous step leaves the window then
    candidates = [current, current + 1] + ([current - 1] if previous_ends > margin else [])
    return next((step for step in candidates if step not in used), None)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The URI as an inline SVG QR code (no request leaves the page), titled for screen readers."""
    svg: str = segno.make(uri, error="m", micro=False).svg_inline(
        scale=5, border=4, title=title, svgclass="qr", lineclass=None, light="#fff"
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7wq-3mfd`` (40 bits each)."""
    return ["-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(2)) for _ in range(RECOVERY_CODE_COUNT)]


def normalise_recovery_code(code: str) -> str:
    """Lower case, letters and digits only: ``K7WQ 3MFD`` is ``k7wq3mfd``."""
    return re.sub(r"[^a-z0-9]", "", code.lower())


def hash_recovery_code(code: str, salt: bytes) -> str:
    """scrypt of the normalised code with its own salt, hex."""
    return hashlib.scrypt(normalise_recovery_code(code).encode(), salt=salt, **_SCRYPT).hex()


def recovery_code_matches(code: str, salt: bytes, digest: str) -> bool:
    """True when ``code`` hashes to ``digest`` (constant-time comparison)."""
    return hmac.compare_digest(hash_recovery_code(code, salt), digest)
