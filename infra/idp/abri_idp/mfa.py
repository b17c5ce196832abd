"""Second factors, kept in ``<ABRI_IDP_DIR>/mfa.json`` (mode 0600) so that enrolments survive restarts.

Per person (by ``sub``): the TOTP secret, encrypted (Fernet, key ``ABRI_IDP_MFA_KEY`` of ``credentials.env``),
the steps whose codes were already accepted (a code is accepted once: RFC 6238, 5.2), and the recovery codes
as salted scrypt hashes, each removed when used. Every change re-reads and rewrites the file under the state
directory's lock, so the command line (``reset-mfa``) and the server can both change it. Wrong codes are
counted in memory (:class:`Attempts`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from abri_idp import totp
from abri_idp.credentials import locked, write_private_file

MFA_FILE = "mfa.json"
MFA_KEY = "ABRI_IDP_MFA_KEY"
"""The ``credentials.env`` key from which the secrets' encryption key is derived."""


class Verdict(Enum):
    """What became of a code."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    REPLAYED = "replayed"
    NOT_ENROLLED = "not_enrolled"


class MfaStore:
    """The enrolments of one provider's state directory."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.path = directory / MFA_FILE
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))

    # -- the file ---------------------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": 1, "people": {}}
        data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _write(self, data: dict[str, Any]) -> None:
        write_private_file(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")

    def _person(self, subject: str) -> dict[str, Any] | None:
        with locked(self.directory):
            person: dict[str, Any] | None = self._read()["people"].get(subject)
        return person

    def _secret(self, person: Mapping[str, Any]) -> str:
        try:
            return self._fernet.decrypt(person["secret"].encode()).decode()
        except InvalidToken:
            raise RuntimeError(f"{self.path}: a secret does not decrypt with {MFA_KEY}") from None

    # -- reading ----------------------------------------------------------------------------------------
    def is_enrolled(self, subject: str) -> bool:
        """True once the person confirmed a TOTP secret."""
        return self._person(subject) is not None

    def secret(self, subject: str) -> str | None:
        """The person's TOTP secret (for the development display of demo codes and for tests)."""
        person = self._person(subject)
        return self._secret(person) if person else None

    def used_steps(self, subject: str) -> set[int]:
        """The steps whose codes were accepted recently."""
        person = self._person(subject)
        return set(person.get("used_steps", [])) if person else set()

    def recovery_codes_left(self, subject: str) -> int:
        """How many recovery codes remain unused."""
        person = self._person(subject)
        return len(person.get("recovery", [])) if person else 0

    # -- changes ----------------------------------------------------------------------------------------
    def _record(self, secret: str, used_step: int | None, recovery_codes: list[str]) -> dict[str, Any]:
        recovery = []
        for code in recovery_codes:
            salt = os.urandom(16)
            recovery.append({"salt": salt.hex(), "hash": totp.hash_recovery_code(code, salt)})
        return {
            "secret": self._fernet.encrypt(secret.encode()).decode(),
            "enrolled_at": int(time.time()),
            "used_steps": [] if used_step is None else [used_step],
            "recovery": recovery,
        }

    def enrol(self, subject: str, secret: str, used_step: int | None, recovery_codes: list[str]) -> None:
        """Keep a confirmed secret (the step of the confirming code counts as used) and the hashes of the
        recovery codes; replaces an earlier enrolment."""
        record = self._record(secret, used_step, recovery_codes)
        with locked(self.directory):
            data = self._read()
            data["people"][subject] = record
            self._write(data)

    def enrol_demo_people(self, secrets_by_subject: Mapping[str, str]) -> bool:
        """At first start only (no ``mfa.json`` yet): enrol demo people with their generated secrets, without
        recovery codes. Later removals (``reset-mfa``) are kept. True when it enrolled them."""
        with locked(self.directory):
            if self.path.exists():
                if self.path.stat().st_mode & 0o077:
                    self.path.chmod(0o600)
                return False
            data = self._read()
            data["people"] = {subject: self._record(secret, None, []) for subject, secret in secrets_by_subject.items()}
            self._write(data)
        return True

    def remove(self, subject: str) -> bool:
        """Forget the person's second factor (turned off, or reset by an operator): True if there was one."""
        with locked(self.directory):
            data = self._read()
            found = data["people"].pop(subject, None) is not None
            if found:
                self._write(data)
        return found

    def check_code(self, subject: str, code: str, now: float | None = None) -> Verdict:
        """Check a TOTP code; an accepted one cannot be accepted again."""
        now = time.time() if now is None else now
        with locked(self.directory):
            data = self._read()
            person = data["people"].get(subject)
            if person is None:
                return Verdict.NOT_ENROLLED
            step = totp.matching_step(self._secret(person), code, now)
            if step is None:
                return Verdict.WRONG
            used = set(person.get("used_steps", []))
            if step in used:
                return Verdict.REPLAYED
            oldest = totp.step_at(now) - totp.WINDOW - 1
            person["used_steps"] = sorted(s for s in used | {step} if s >= oldest)
            self._write(data)
        return Verdict.ACCEPTED

    def use_recovery_code(self, subject: str, code: str) -> bool:
        """Accept a recovery code once: it is removed as it is used."""
        if not totp.normalise_recovery_code(code):
            return False
        with locked(self.directory):
            data = self._read()
            person = data["people"].get(subject)
            if person is None:
                return False
            codes = person.get("recovery", [])
            for index, entry in enumerate(codes):
                if totp.recovery_code_matches(code, bytes.fromhex(entry["salt"]), entry["hash"]):
                    del codes[index]
                    self._write(data)
                    return True
        return False


class Attempts:
    """Wrong second-factor codes per person, in memory: after ``limit`` of them within ``lockout`` seconds,
    every code is refused until ``lockout`` seconds after the last one."""

    def __init__(self, limit: int, lockout: int) -> None:
        self.limit = limit
        self.lockout = lockout
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, subject: str, now: float | None = None) -> int:
        """Seconds before the person may try again (0: now)."""
        now = time.time() if now is None else now
        with self._lock:
            recent = [at for at in self._failures.get(subject, []) if now - at < self.lockout]
            self._failures[subject] = recent
            if len(recent) < self.limit:
                return 0
            return max(1, int(recent[-1] + self.lockout - now + 0.999))

    def failed(self, subject: str, now: float | None = None) -> None:
        """One more wrong code."""
        with self._lock:
            self._failures.setdefault(subject, []).append(time.time() if now is None else now)

    def succeeded(self, subject: str) -> None:
        """A right code clears the count."""
        with self._lock:
            self._failures.pop(subject, None)
