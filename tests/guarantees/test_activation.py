"""Activating a visa for a lease, and the guarantee's end with the tenancy (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from abri_guarantees.domain.eligibility import FileFacts
from abri_guarantees.domain.guarantee import (
    ActivationRefusal,
    ActivationRefused,
    Guarantee,
    GuaranteeStatus,
    activate,
    activation_refusal,
    covers,
    end,
    guarantee_status,
    personal_data_kept_until,
    refusal_detail,
)
from abri_guarantees.domain.policy import fsl_like, visale_like
from abri_guarantees.domain.visa import Visa, issue_visa

pytestmark = pytest.mark.unit
VISA = Visa(
    number="V000000000011",
    max_rent_cents=120_000,
    issued_on=date(2026, 3, 1),
    valid_until=date(2026, 6, 1),
    lease_signing_deadline=date(2026, 5, 15),
)


@pytest.mark.parametrize(
    ("lease_signed_on", "rent", "on", "expected"),
    [
        (date(2026, 4, 1), 100_000, date(2026, 3, 20), None),  # activated before the lease is signed
        (date(2026, 5, 15), 100_000, date(2026, 5, 15), None),  # signed on the deadline day
        (date(2026, 5, 16), 100_000, date(2026, 5, 16), ActivationRefusal.LEASE_SIGNED_AFTER_DEADLINE),
        (date(2026, 4, 1), 120_000, date(2026, 4, 1), None),  # rent at the visa's max
        (date(2026, 4, 1), 120_001, date(2026, 4, 1), ActivationRefusal.RENT_ABOVE_VISA_MAX),  # one cent above
        (date(2026, 3, 1), 100_000, date(2026, 3, 1), None),  # signed the day the visa was issued
        (date(2026, 2, 28), 100_000, date(2026, 3, 1), ActivationRefusal.LEASE_SIGNED_BEFORE_VISA),
        (date(2026, 5, 1), 100_000, date(2026, 6, 1), None),  # activated on the visa's last valid day
        (date(2026, 5, 1), 100_000, date(2026, 6, 2), ActivationRefusal.VISA_EXPIRED),
    ],
)
def test_activation_rules_at_the_edges(lease_signed_on: date, rent: int, on: date, expected: ActivationRefusal | None) -> None:
    assert activation_refusal(VISA, lease_signed_on, rent, on) is expected


@pytest.mark.parametrize(
    ("revoked_on", "on", "expected"),
    [
        (date(2026, 4, 10), date(2026, 4, 9), None),
        (date(2026, 4, 10), date(2026, 4, 10), ActivationRefusal.VISA_REVOKED),
        (date(2026, 4, 10), date(2026, 6, 2), ActivationRefusal.VISA_REVOKED),  # revoked wins over expired
    ],
)
def test_a_revoked_visa_activates_nothing(revoked_on: date, on: date, expected: ActivationRefusal | None) -> None:
    assert activation_refusal(replace(VISA, revoked_on=revoked_on), date(2026, 4, 1), 100_000, on) is expected


def test_activation_gives_the_guarantee_or_a_coded_refusal() -> None:
    guarantee = activate(VISA, date(2026, 4, 1), 110_000, date(2026, 3, 25))
    assert guarantee == Guarantee("V000000000011", date(2026, 4, 1), 110_000, date(2026, 3, 25))
    with pytest.raises(ActivationRefused, match="rent above visa max") as refused:
        activate(VISA, date(2026, 4, 1), 120_001, date(2026, 3, 25))
    assert refused.value.code is ActivationRefusal.RENT_ABOVE_VISA_MAX


GUARANTEE = Guarantee("V000000000011", date(2026, 4, 1), 110_000, date(2026, 3, 25))


def test_the_guarantee_ends_with_the_tenancy() -> None:
    assert guarantee_status(GUARANTEE, date(2030, 1, 1)) is GuaranteeStatus.ACTIVE
    ended = end(GUARANTEE, date(2028, 9, 30))
    assert ended.ended_on == date(2028, 9, 30)
    assert guarantee_status(ended, date(2028, 9, 30)) is GuaranteeStatus.ACTIVE  # through the last day
    assert guarantee_status(ended, date(2028, 10, 1)) is GuaranteeStatus.ENDED
    with pytest.raises(ValueError, match="already ended"):
        end(ended, date(2028, 10, 31))
    with pytest.raises(ValueError, match="before its lease"):
        end(GUARANTEE, date(2026, 3, 31))


@pytest.mark.parametrize(
    ("due_on", "covered"),
    [(date(2026, 3, 31), False), (date(2026, 4, 1), True), (date(2028, 9, 30), True), (date(2028, 10, 1), False)],
)
def test_rent_is_covered_within_the_tenancy(due_on: date, covered: bool) -> None:
    assert covers(end(GUARANTEE, date(2028, 9, 30)), due_on) is covered
    assert covers(GUARANTEE, date(2040, 1, 1))  # an ongoing tenancy


@pytest.mark.parametrize(
    ("last_contact_on", "kept_until"),
    [(date(2026, 5, 12), date(2029, 5, 12)), (date(2024, 2, 29), date(2027, 2, 28))],
)
def test_guarantee_data_is_kept_three_years_after_the_last_contact(last_contact_on: date, kept_until: date) -> None:
    assert personal_data_kept_until(last_contact_on) == kept_until


YOUNG = FileFacts(birth_date=date(2009, 1, 15), resources_cents=300_000, rent_cents=50_000, departement="34")
"""A tenant who asks Visale at 17 years and 10 months and more: 18 on 15 January 2027."""


@pytest.mark.parametrize(
    ("birth_date", "issued_on", "not_before"),
    [
        (date(2009, 1, 15), date(2026, 12, 1), date(2027, 1, 15)),  # the 18th birthday, after the issue
        (date(2009, 1, 15), date(2027, 1, 14), date(2027, 1, 15)),  # the eve of it
        (date(2009, 1, 15), date(2027, 1, 15), None),  # issued on the birthday: from the issue, as any visa
        (date(2000, 5, 17), date(2026, 12, 1), None),  # of age long since
        (date(2008, 2, 29), date(2026, 1, 10), date(2026, 3, 1)),  # born on 29 February: 18 on 1 March (age_on's count)
    ],
)
def test_a_visa_issued_before_the_18th_birthday_waits_for_it(birth_date: date, issued_on: date, not_before: date | None) -> None:
    visa = issue_visa(visale_like(), replace(YOUNG, birth_date=birth_date), issued_on, bytes(7))
    assert visa.lease_not_before == not_before


def test_a_fund_without_the_rule_issues_visas_without_a_first_lease_day() -> None:
    assert issue_visa(fsl_like("34"), YOUNG, date(2026, 12, 1), bytes(7)).lease_not_before is None  # no age rule
    policy = visale_like()
    assert policy.age is not None
    off = replace(policy, age=replace(policy.age, lease_from_min_age=False))
    assert issue_visa(off, YOUNG, date(2026, 12, 1), bytes(7)).lease_not_before is None


@pytest.mark.parametrize(
    ("lease_signed_on", "expected"),
    [
        (date(2027, 1, 14), ActivationRefusal.LEASE_SIGNED_BEFORE_MAJORITY),  # the eve of the 18th birthday
        (date(2027, 1, 15), None),  # the birthday itself
        (date(2026, 12, 1), ActivationRefusal.LEASE_SIGNED_BEFORE_MAJORITY),  # the day of issue
        (date(2026, 11, 30), ActivationRefusal.LEASE_SIGNED_BEFORE_VISA),  # before the visa too: that comes first
    ],
)
def test_a_lease_is_judged_on_its_signing_day_against_the_birthday(lease_signed_on: date, expected: ActivationRefusal | None) -> None:
    visa = issue_visa(visale_like(), YOUNG, date(2026, 12, 1), bytes(7))
    assert activation_refusal(visa, lease_signed_on, 50_000, on=lease_signed_on) is expected


def test_the_refusal_names_the_birthday_and_the_lease_day() -> None:
    visa = issue_visa(visale_like(), YOUNG, date(2026, 12, 1), bytes(7))
    detail = refusal_detail(ActivationRefusal.LEASE_SIGNED_BEFORE_MAJORITY, visa, date(2027, 1, 14), 50_000)
    assert detail.field == "signed_on"
    assert detail.params == {"lease_signed_on": "2027-01-14", "birthday": "2027-01-15"}
    assert "2027-01-15" in detail.message
    above = refusal_detail(ActivationRefusal.RENT_ABOVE_VISA_MAX, visa, date(2027, 1, 15), visa.max_rent_cents + 1)
    assert above.field == "rent_and_charges_cents" and above.params["max_rent_cents"] == visa.max_rent_cents


def test_every_activation_refusal_goes_out_under_its_own_code() -> None:
    from abri_guarantees.usecases.placements import published_reason

    for refusal in ActivationRefusal:
        assert published_reason(refusal) == refusal.value  # the contract names them all, the birthday's included
