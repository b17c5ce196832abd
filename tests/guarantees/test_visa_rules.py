"""Visa numbers, status and name matching (pure)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abri_guarantees.domain.eligibility import FileFacts
from abri_guarantees.domain.policy import FundKind, FundPolicy, VisaTerms, visale_like
from abri_guarantees.domain.visa import (
    ALPHABET,
    CHECK_SYMBOLS,
    InvalidVisaNumber,
    VisaStatus,
    grouped,
    issue_visa,
    name_orders,
    names_match,
    new_visa_number,
    normalised_name,
    parse_visa_number,
    visa_status,
)

pytestmark = pytest.mark.unit
SAMPLES = [new_visa_number(random.Random(seed).randbytes(7)) for seed in range(4)] + [
    new_visa_number(bytes(7)),
    new_visa_number(b"\xff" * 7),
]


def test_the_number_format() -> None:
    assert new_visa_number(bytes(7)) == "V" + "0" * 11 + "0"
    assert new_visa_number((1 << 1).to_bytes(7, "big")) == "V" + "0" * 10 + "1" + "1"
    top = 2**55 - 1
    assert new_visa_number(b"\xff" * 7) == "V" + "Z" * 11 + CHECK_SYMBOLS[top % 37]
    assert new_visa_number(b"\xff" * 7 + b"ignored") == new_visa_number(b"\xff" * 7)
    for number in SAMPLES:
        assert len(number) == 13 and number[0] == "V" and set(number[1:12]) <= set(ALPHABET)
    with pytest.raises(ValueError, match="7 random bytes"):
        new_visa_number(b"\x00" * 6)


@given(st.binary(min_size=7, max_size=7))
def test_every_number_round_trips_as_typed_or_printed(rand_bytes: bytes) -> None:
    number = new_visa_number(rand_bytes)
    assert parse_visa_number(number) == number
    assert parse_visa_number(grouped(number)) == number
    assert parse_visa_number(" " + grouped(number).lower().replace("-", " ") + " ") == number


ONE = new_visa_number((1 << 1).to_bytes(7, "big"))  # the value 1: "V" + ten 0s + "1", check "1"


@pytest.mark.parametrize(
    "typed",
    [
        "v000-0000-0001-1",
        "VOOO OOOO OOOI L",  # O read as 0, I and L as 1
        "vooo-oooo-oooi-l",
        "V\t000\n0000  0001 1",
    ],
)
def test_typing_is_forgiving(typed: str) -> None:
    assert ONE == "V000000000011"
    assert parse_visa_number(typed) == ONE


@pytest.mark.parametrize("number", SAMPLES)
def test_each_single_symbol_typo_is_detected(number: str) -> None:
    for position in range(1, len(number)):
        symbols = ALPHABET if position < len(number) - 1 else CHECK_SYMBOLS
        for symbol in symbols:
            if symbol == number[position]:
                continue
            typo = number[:position] + symbol + number[position + 1 :]
            with pytest.raises(InvalidVisaNumber):
                parse_visa_number(typo)


@pytest.mark.parametrize("number", SAMPLES)
def test_each_swap_of_neighbours_is_detected(number: str) -> None:
    for position in range(1, len(number) - 1):
        if number[position] != number[position + 1]:
            swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
            with pytest.raises(InvalidVisaNumber):
                parse_visa_number(swapped)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "followed by"),
        ("W" + SAMPLES[0][1:], "followed by"),  # another prefix
        (SAMPLES[0][:-1], "followed by"),  # a symbol short
        (SAMPLES[0] + "0", "followed by"),
        ("V" + "U" + SAMPLES[0][2:], "letters and digits"),  # U is a check symbol only
        ("V" + "*" + SAMPLES[0][2:], "letters and digits"),
        ("V" + "É" + SAMPLES[0][2:], "letters and digits"),
        ("V00000000000" + "1", "typo"),
    ],
)
def test_malformed_numbers_are_refused(text: str, match: str) -> None:
    with pytest.raises(InvalidVisaNumber, match=match):
        parse_visa_number(text)


def test_check_symbols_beyond_the_alphabet_are_used_and_read() -> None:
    value = 36  # checks to "U"
    number = new_visa_number((value << 1).to_bytes(7, "big"))
    assert number.endswith("U") and parse_visa_number(number.lower()) == number


@pytest.mark.parametrize(
    ("valid_until", "revoked_on", "today", "status"),
    [
        (date(2026, 6, 10), None, date(2026, 3, 10), VisaStatus.VALID),
        (date(2026, 6, 10), None, date(2026, 6, 10), VisaStatus.VALID),  # valid through its last day
        (date(2026, 6, 10), None, date(2026, 6, 11), VisaStatus.EXPIRED),
        (date(2026, 6, 10), date(2026, 4, 1), date(2026, 3, 31), VisaStatus.VALID),  # revocation not yet in force
        (date(2026, 6, 10), date(2026, 4, 1), date(2026, 4, 1), VisaStatus.REVOKED),
        (date(2026, 6, 10), date(2026, 4, 1), date(2026, 7, 1), VisaStatus.REVOKED),  # revocation outlives expiry
    ],
)
def test_visa_status_at_the_day_edges(valid_until: date, revoked_on: date | None, today: date, status: VisaStatus) -> None:
    assert visa_status(valid_until, revoked_on, today) is status


FACTS = FileFacts(birth_date=date(2001, 5, 4), resources_cents=400_000, rent_cents=90_000, charges_cents=8_000, departement="93")


def test_a_visa_carries_the_max_rent_and_its_dates() -> None:
    visa = issue_visa(visale_like(), FACTS, date(2026, 1, 31), bytes(range(7)))
    assert visa.number == new_visa_number(bytes(range(7)))
    assert visa.max_rent_cents == 150_000  # Île-de-France cap, below half the resources
    assert (visa.issued_on, visa.valid_until, visa.lease_signing_deadline) == (date(2026, 1, 31), date(2026, 4, 30), date(2026, 4, 30))
    assert visa.revoked_on is None
    longer = issue_visa(FundPolicy(FundKind.GLI, 1, "no caps", visa=VisaTerms(6, 2)), FACTS, date(2026, 1, 15), bytes(7))
    assert longer.max_rent_cents == 98_000  # nothing bounds it: the unit's own rent + charges
    assert (longer.valid_until, longer.lease_signing_deadline) == (date(2026, 7, 15), date(2026, 3, 15))


@pytest.mark.parametrize(
    ("given_name", "recorded", "match"),
    [
        ("Élodie Dupont-Martin", "ELODIE DUPONT MARTIN", True),
        ("  élodie   dupont – martin ", "Elodie Dupont-Martin", True),
        ("JOSÉ NÚÑEZ", "José Núñez", True),
        ("Lœtitia N'Diaye", "Loetitia N’Diaye", True),
        ("Zoë Straße", "ZOE STRASSE", True),
        ("Nguyễn Thị", "nguyen thi", True),
        ("Elodie Dupont", "Elodie Dupond", False),
        ("Dupont", "Dupont Martin", False),
        ("Jean-Pierre", "Jeanpierre", False),
        ("", "", False),
        (" - ", "-", False),
    ],
)
def test_names_match_ignoring_accents_case_and_separators(given_name: str, recorded: str, match: bool) -> None:
    assert names_match(given_name, recorded) is match


def test_the_normalised_form() -> None:
    assert normalised_name("  Anne-Sophie  D’Arc ") == "anne sophie d arc"


def test_a_name_is_compared_in_each_of_its_turns_and_in_no_other_shuffle() -> None:
    assert name_orders("Dupont  Marie") == ["dupont marie", "marie dupont"]
    assert "jean pierre martin durand" in name_orders("Martin-Durand Jean Pierre")
    assert "jean martin pierre durand" not in name_orders("Martin-Durand Jean Pierre")
    assert name_orders("Éloïse") == ["eloise"] and name_orders("  ") == []
    assert name_orders(" ".join("abcdefghijklmn")) == [" ".join("abcdefghijklmn")]  # too many words: as written
