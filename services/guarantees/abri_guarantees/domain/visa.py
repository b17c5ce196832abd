"""The visa: the certificate an approved file earns, which the owner activates and anyone may verify.

A visa carries a unique number, the highest rent + charges it covers, a validity date and a deadline to
sign the lease (Visale: obtained before the lease is signed; ``docs/domain-rules.md``, "The visa"). Its number is typed by people:
"V" then 11 Crockford base-32 symbols (55 random bits) then a check symbol, the value modulo 37
(Douglas Crockford, "Base 32", the check symbols ``*~$=U``). As 37 is a prime above 31, any one wrong
symbol and any swap of two neighbours change the value modulo 37 and are caught. Randomness comes in
as bytes (no randomness here); the service retries on the rare collision (its unique index says so).
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from abri_guarantees.domain.eligibility import FileFacts, birthday, max_rent_cents
from abri_guarantees.domain.policy import FundPolicy, add_months

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = ALPHABET + "*~$=U"
PREFIX = "V"
SYMBOLS = 11
RANDOM_BITS = SYMBOLS * 5
RANDOM_BYTES = 7
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-]+")


class InvalidVisaNumber(ValueError):
    """A text that is not a visa number (the API answers 422, or 404 for a verification)."""


class VisaStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Visa:
    """The certificate: its number, the highest rent + charges a month it covers, the last day it is
    valid, the last day to sign the lease, the day it was revoked, if it was, and the first day a lease may
    be signed when that is later than its issue (the tenant's ``min_age`` birthday: Visale takes a request
    from 17 years and 10 months, the lease from the 18th birthday)."""

    number: str
    max_rent_cents: int
    issued_on: date
    valid_until: date
    lease_signing_deadline: date
    revoked_on: date | None = None
    lease_not_before: date | None = None


def new_visa_number(rand_bytes: bytes) -> str:
    """A number from at least 7 random bytes (the first 55 bits are used): ``"V" + 11 symbols + check``."""
    if len(rand_bytes) < RANDOM_BYTES:
        raise ValueError(f"a visa number needs {RANDOM_BYTES} random bytes")
    value = int.from_bytes(rand_bytes[:RANDOM_BYTES], "big") >> (RANDOM_BYTES * 8 - RANDOM_BITS)
    body = "".join(ALPHABET[(value >> (5 * shift)) & 31] for shift in reversed(range(SYMBOLS)))
    return PREFIX + body + CHECK_SYMBOLS[value % 37]


def parse_visa_number(text: str) -> str:
    """The canonical number a person typed: case, spaces and dashes ignored, I and L read as 1, O as 0;
    :class:`InvalidVisaNumber` when it is malformed or its check symbol does not match (a typo)."""
    number = _SEPARATORS.sub("", text).upper()
    if not number.startswith(PREFIX) or len(number) != len(PREFIX) + SYMBOLS + 1:
        raise InvalidVisaNumber(f"a visa number is {PREFIX} followed by {SYMBOLS + 1} letters and digits")
    body, check = number[len(PREFIX) : -1].translate(_READ_AS), number[-1].translate(_READ_AS)
    if any(symbol not in ALPHABET for symbol in body) or check not in CHECK_SYMBOLS:
        raise InvalidVisaNumber("a visa number holds letters and digits only (no U but as its last symbol)")
    value = 0
    for symbol in body:
        value = value * 32 + ALPHABET.index(symbol)
    if CHECK_SYMBOLS[value % 37] != check:
        raise InvalidVisaNumber("this visa number has a typo: its check symbol does not match")
    return PREFIX + body + check


def grouped(number: str) -> str:
    """A canonical number in groups of four for reading aloud and printing: ``VABC-DEFG-HJKM-N``."""
    return "-".join(number[start : start + 4] for start in range(0, len(number), 4))


def visa_status(valid_until: date, revoked_on: date | None, today: date) -> VisaStatus:
    """Revoked from the day of revocation; otherwise valid through ``valid_until`` inclusive, expired
    the day after."""
    if revoked_on is not None and revoked_on <= today:
        return VisaStatus.REVOKED
    return VisaStatus.VALID if today <= valid_until else VisaStatus.EXPIRED


def lease_not_before(policy: FundPolicy, birth_date: date, issued_on: date) -> date | None:
    """The first day a lease may be signed under a visa issued on ``issued_on``, when it is later: the
    tenant's ``min_age`` birthday, for a policy whose ``AgeRule.lease_from_min_age`` is set (``None``: from
    the issue, as any visa)."""
    rule = policy.age
    if rule is None or not rule.lease_from_min_age:
        return None
    of_age = birthday(birth_date, rule.min_age)
    return of_age if of_age > issued_on else None


def issue_visa(policy: FundPolicy, facts: FileFacts, issued_on: date, rand_bytes: bytes) -> Visa:
    """The visa of an approved file. Its maximum is :func:`max_rent_cents` of the policy, or the unit's
    own rent + charges when no rule of the policy bounds it; its dates follow ``policy.visa``, and a tenant
    not yet of ``min_age`` gets the birthday as the first day of the lease (:func:`lease_not_before`)."""
    ceiling = max_rent_cents(policy, facts)
    return Visa(
        number=new_visa_number(rand_bytes),
        max_rent_cents=facts.rent_and_charges_cents if ceiling is None else ceiling,
        issued_on=issued_on,
        valid_until=add_months(issued_on, policy.visa.valid_months),
        lease_signing_deadline=add_months(issued_on, policy.visa.lease_signing_months),
        lease_not_before=lease_not_before(policy, facts.birth_date, issued_on),
    )


def normalised_name(name: str) -> str:
    """A name as compared: accents and case dropped (NFKD, casefold), œ/æ spelt out, hyphens, apostrophes
    and runs of spaces made one space."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace("œ", "oe").replace("æ", "ae"))
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.split(r"[\s\-‐‑‒–—'’ʼ]+", letters)).strip()


MAX_NAME_WORDS = 12


def name_orders(name: str) -> list[str]:
    """The normalised name in each order a person may write it: the words turned round, so that "Dupont
    Marie" (surname first, as on French forms) and "Jean Pierre Martin Durand" read as "Martin Durand Jean
    Pierre" both meet the "first names + last name" recorded. Only turns, not every shuffle, so a name
    of n words gives n orders (at most ``MAX_NAME_WORDS``; a longer name is compared as written)."""
    words = normalised_name(name).split(" ")
    if not words or words == [""]:
        return []
    if len(words) > MAX_NAME_WORDS:
        return [" ".join(words)]
    return list(dict.fromkeys(" ".join(words[turn:] + words[:turn]) for turn in range(len(words))))


def names_match(given: str, recorded: str) -> bool:
    """Whether the name an owner typed is the tenant's recorded name, compared in constant time over the
    normalised forms (so a verification leaks no prefix of the name by its timing)."""
    left, right = normalised_name(given), normalised_name(recorded)
    return bool(left) and hmac.compare_digest(left.encode(), right.encode())
