"""Unpaid-rent claims arithmetic: constitution, deadlines, caps (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abri_guarantees.domain.claims import (
    Arrears,
    ClaimFailure,
    ClaimGround,
    ClaimMove,
    ClaimStatus,
    DeclarationError,
    InvalidClaimMove,
    UnpaidMonth,
    after_move,
    anchor_day,
    arrears,
    claim_ground,
    claim_payable,
    continues_arrears,
    declaration_deadline,
    declaration_errors,
    declaration_failures,
    formal_notice_deadline,
    months_claimed_twice,
    must_be_constituted,
)
from abri_guarantees.domain.guarantee import Guarantee
from abri_guarantees.domain.policy import ClaimTerms, Cover, DeadlineAnchor
from abri_guarantees.domain.sources import claim_source

pytestmark = pytest.mark.unit
RENT = 80_000  # the guaranteed rent + charges a month
TERMS = ClaimTerms()
COVER = Cover()


def unpaid(month: int, paid: int = 0, benefit: int = 0, due: int = RENT) -> UnpaidMonth:
    return UnpaidMonth(date(2026, month, 5), due, paid, benefit)


@pytest.mark.parametrize(
    ("months", "total", "ground", "constituted_on"),
    [
        ([unpaid(1)], 80_000, None, None),  # one month wholly unpaid: not yet
        ([unpaid(1), unpaid(2)], 160_000, ClaimGround.WHOLLY_UNPAID_MONTHS, date(2026, 2, 5)),
        ([unpaid(1), unpaid(2, paid=RENT), unpaid(4)], 160_000, ClaimGround.WHOLLY_UNPAID_MONTHS, date(2026, 4, 5)),  # not consecutive
        ([unpaid(1, paid=40_000), unpaid(2, paid=40_000)], 80_000, None, None),  # partial arrears of exactly one month
        ([unpaid(1, paid=40_000), unpaid(2, paid=39_999)], 80_001, ClaimGround.PARTIAL_ARREARS, date(2026, 2, 5)),  # one cent more
        ([unpaid(m, paid=50_000) for m in (1, 2, 3)], 90_000, ClaimGround.PARTIAL_ARREARS, date(2026, 3, 5)),
        ([unpaid(1, paid=1), unpaid(2, paid=1)], 159_998, ClaimGround.PARTIAL_ARREARS, date(2026, 2, 5)),  # paid a cent: not wholly
        ([unpaid(1, benefit=20_000), unpaid(2, benefit=20_000)], 120_000, ClaimGround.WHOLLY_UNPAID_MONTHS, date(2026, 2, 5)),
        ([unpaid(1, paid=60_000, benefit=20_000), unpaid(2, paid=60_000, benefit=20_000)], 0, None, None),  # benefit deducted first
        ([unpaid(1, benefit=RENT), unpaid(2, benefit=RENT)], 0, None, None),  # the benefit paid it all
        ([unpaid(3, due=26_667, paid=10_000), unpaid(4), unpaid(5, paid=1)], 176_666, ClaimGround.PARTIAL_ARREARS, date(2026, 4, 5)),
        ([unpaid(2), unpaid(1)], 160_000, ClaimGround.WHOLLY_UNPAID_MONTHS, date(2026, 2, 5)),  # declared in any order
        ([], 0, None, None),
    ],
)
def test_when_a_claim_is_constituted(
    months: list[UnpaidMonth], total: int, ground: ClaimGround | None, constituted_on: date | None
) -> None:
    state = arrears(months, RENT, TERMS)
    assert (state.total_cents, state.ground, state.constituted_on) == (total, ground, constituted_on)
    assert state.constituted is (ground is not None)


def test_partial_months_count_in_exact_cents() -> None:
    prorated = UnpaidMonth(date(2026, 3, 20), 31_613, paid_by_tenant_cents=10_000, housing_benefit_cents=7_777)
    assert prorated.arrears_cents == 13_836 and not prorated.wholly_unpaid
    assert UnpaidMonth(date(2026, 3, 1), 50_000, 70_000).arrears_cents == 0  # an overpaid month owes nothing, carries nothing


def test_declared_months_are_checked() -> None:
    with pytest.raises(ValueError, match="twice"):
        arrears([unpaid(1), unpaid(1, paid=10)], RENT, TERMS)
    with pytest.raises(ValueError, match="negative"):
        unpaid(1, paid=-1)


def test_thresholds_are_policy_data() -> None:
    strict = replace(TERMS, wholly_unpaid_months=3, partial_arrears_months=2)
    assert not arrears([unpaid(1), unpaid(2)], RENT, strict).constituted
    assert arrears([unpaid(1), unpaid(2), unpaid(3)], RENT, strict).ground is ClaimGround.WHOLLY_UNPAID_MONTHS


CONSTITUTED = arrears([unpaid(1), unpaid(2)], RENT, TERMS)  # first unpaid 5 January, constituted by the rent due 5 February


@pytest.mark.parametrize(
    ("notice_on", "declared_on", "expected"),
    [
        (date(2026, 2, 21), date(2026, 3, 8), []),  # constituted on 6 February: notice on day 15, declaration on day 30
        (date(2026, 2, 22), date(2026, 3, 8), [ClaimFailure.FORMAL_NOTICE_LATE]),  # day 16
        (date(2026, 2, 21), date(2026, 3, 9), [ClaimFailure.DECLARATION_LATE]),  # day 31
        (date(2026, 1, 20), date(2026, 3, 6), []),  # a notice before the constitution is in time
        (None, date(2026, 2, 10), [ClaimFailure.FORMAL_NOTICE_MISSING]),
        (date(2026, 3, 1), date(2026, 4, 1), [ClaimFailure.FORMAL_NOTICE_LATE, ClaimFailure.DECLARATION_LATE]),
    ],
)
def test_declaration_deadlines(notice_on: date | None, declared_on: date, expected: list[ClaimFailure]) -> None:
    """visale.fr (?p=250): the arrears are constituted the day after the due date that makes them so,
    formal notice at the latest 15 calendar days after, declaration within 30."""
    assert formal_notice_deadline(CONSTITUTED, TERMS) == date(2026, 2, 21)
    assert declaration_deadline(CONSTITUTED, TERMS) == date(2026, 3, 8)
    assert declaration_failures(CONSTITUTED, notice_on, declared_on, TERMS) == expected


def test_visales_own_example() -> None:
    """visale.fr (?p=250): rents due 05/07/24 and 05/08/24 wholly unpaid, constituted 06/08/24, formal notice
    by 21/08/24; declaration within 30 calendar days (05/09/24; the page's example says 06/09/24)."""
    state = arrears([UnpaidMonth(date(2024, 7, 5), RENT), UnpaidMonth(date(2024, 8, 5), RENT)], RENT, TERMS)
    assert anchor_day(state, DeadlineAnchor.CONSTITUTED, TERMS) == date(2024, 8, 6)
    assert formal_notice_deadline(state, TERMS) == date(2024, 8, 21)
    assert declaration_deadline(state, TERMS) == date(2024, 9, 5)
    assert formal_notice_deadline(state, replace(TERMS, unpaid_from_days_after_due=0)) == date(2024, 8, 20)  # policy data


def test_a_claim_not_yet_constituted_cannot_be_declared() -> None:
    early = arrears([unpaid(1)], RENT, TERMS)
    assert declaration_deadline(early, TERMS) is None
    assert declaration_failures(early, date(2026, 1, 10), date(2026, 1, 25), TERMS) == [ClaimFailure.NOT_CONSTITUTED]
    nothing = Arrears(0, 0, None, None, None)
    assert formal_notice_deadline(nothing, TERMS) is None


def test_deadline_anchors_are_policy_data() -> None:
    anchored = replace(TERMS, formal_notice_from=DeadlineAnchor.FIRST_UNPAID, declaration_from=DeadlineAnchor.FIRST_UNPAID)
    assert formal_notice_deadline(CONSTITUTED, anchored) == date(2026, 1, 21)
    assert declaration_deadline(CONSTITUTED, anchored) == date(2026, 2, 5)
    assert formal_notice_deadline(CONSTITUTED, replace(TERMS, formal_notice_days=20)) == date(2026, 2, 26)


@pytest.mark.parametrize(
    ("months", "rent_paid_before", "damage", "damage_paid_before", "rent_payable", "damage_payable"),
    [
        ([unpaid(1), unpaid(2)], 0, 0, 0, 160_000, 0),
        ([unpaid(1, benefit=20_000), unpaid(2, paid=30_000)], 0, 0, 0, 110_000, 0),  # benefit and payments deducted
        ([unpaid(3, due=26_667), unpaid(4)], 0, 0, 0, 106_667, 0),  # a prorated month, in cents
        ([unpaid(1), unpaid(2)], 36 * RENT - 50_000, 0, 0, 50_000, 0),  # the 36 months cap reached across claims
        ([unpaid(1), unpaid(2)], 36 * RENT - 160_000, 0, 0, 160_000, 0),  # exactly what is left
        ([unpaid(1), unpaid(2)], 36 * RENT, 0, 0, 0, 0),  # already at the cap
        ([], 0, 160_000, 0, 0, 160_000),  # damage: two months exactly
        ([], 0, 160_001, 0, 0, 160_000),
        ([], 0, 100_000, 100_000, 0, 60_000),  # what an earlier claim left of the damage cap
        ([unpaid(1), unpaid(2)], 0, 50_000, 200_000, 160_000, 0),
    ],
)
def test_claim_payable_after_the_caps(
    months: list[UnpaidMonth], rent_paid_before: int, damage: int, damage_paid_before: int, rent_payable: int, damage_payable: int
) -> None:
    payout = claim_payable(months, RENT, COVER, rent_paid_before, damage, damage_paid_before)
    assert (payout.rent_payable_cents, payout.damage_payable_cents) == (rent_payable, damage_payable)
    assert payout.total_cents == rent_payable + damage_payable
    assert (payout.rent_cap_cents, payout.damage_cap_cents) == (36 * RENT, 2 * RENT)


def test_the_breakdown_says_what_was_claimed_and_which_cap_was_reached() -> None:
    payout = claim_payable([unpaid(1), unpaid(2)], RENT, COVER, 36 * RENT - 50_000, 170_000)
    assert payout.rent_claimed_cents == 160_000 and payout.rent_cap_reached
    assert payout.damage_claimed_cents == 170_000 and payout.damage_cap_reached
    assert not claim_payable([unpaid(1)], RENT, COVER).rent_cap_reached
    shorter = claim_payable([unpaid(1), unpaid(2)], RENT, Cover(unpaid_rent_months=1, damage_months=0), damage_cents=1)
    assert (shorter.rent_payable_cents, shorter.damage_payable_cents) == (RENT, 0)
    with pytest.raises(ValueError, match="negative"):
        claim_payable([], RENT, COVER, damage_cents=-1)


@given(st.lists(st.integers(min_value=0, max_value=400_000), max_size=40))
def test_successive_claims_never_pay_more_than_the_cap(claims: list[int]) -> None:
    paid = 0
    for amount in claims:
        month = UnpaidMonth(date(2026, 1, 5), amount)
        payable = claim_payable([month], RENT, COVER, paid).rent_payable_cents
        assert 0 <= payable <= amount
        paid += payable
    assert paid == min(sum(claims), 36 * RENT)


# --- the rules a declaration and the fund's steps go through (domain/claims.py) --------------------------
def test_a_declaration_names_each_item_the_guarantee_refuses() -> None:
    running = Guarantee("V1", date(2027, 1, 1), 65_000, date(2027, 1, 1), None, date(2027, 1, 1))
    months = [UnpaidMonth(date(2026, 12, 5), 65_000), UnpaidMonth(date(2027, 3, 5), 65_001), UnpaidMonth(date(2027, 9, 5), 65_000)]
    tenancy = {"starts_on": "2027-01-01", "ended_on": None}
    assert declaration_errors(running, months, 10_000, date(2027, 6, 1)) == [
        DeclarationError("months.0.due_on", "outside the guaranteed tenancy", "month_outside_tenancy", tenancy),
        DeclarationError("months.2.due_on", "not due yet", "month_not_due", {"today": "2027-06-01"}),
        DeclarationError(
            "months.1.due_cents",
            "above the guaranteed rent + charges (65000)",
            "month_above_guaranteed_rent",
            {"due_cents": 65_001, "guaranteed_cents": 65_000},
        ),
        DeclarationError("damage_cents", "damage is claimed once the tenancy has ended", "damage_before_tenancy_end"),
    ]
    for error in declaration_errors(running, months, 10_000, date(2027, 6, 1)):  # each refusal cites its text, or is Abri's own
        assert (claim_source(error.rule).url is None) is (error.rule == "month_not_due")
    ended = Guarantee("V1", date(2027, 1, 1), 65_000, date(2027, 1, 1), date(2027, 5, 31), date(2027, 1, 1))
    assert declaration_errors(ended, [UnpaidMonth(date(2027, 5, 5), 65_000)], 10_000, date(2027, 6, 1)) == []


def test_a_month_already_claimed_is_named_whatever_its_day() -> None:
    months = [UnpaidMonth(date(2027, 1, 28), 65_000), UnpaidMonth(date(2027, 2, 5), 65_000)]
    assert months_claimed_twice(months, [date(2027, 1, 5)]) == ["2027-01"]
    assert months_claimed_twice(months, []) == []


@pytest.mark.parametrize(
    ("earlier", "refused"),
    [
        ([], True),  # a first claim of months must be constituted
        (["wholly_unpaid_months"], False),  # later months follow a constituted claim
        (["partial_arrears"], False),
        (["damage"], True),  # a damage-only claim constitutes no arrears (issue 18)
        (["damage", "damage"], True),
        (["continuing_arrears"], True),  # a continuation whose constituted claim was rejected opens nothing
        (["damage", "partial_arrears"], False),
        (["continuing_arrears", "wholly_unpaid_months"], False),
    ],
)
def test_only_a_constituted_arrears_claim_lets_later_months_follow(earlier: list[str], refused: bool) -> None:
    ten_euros = [UnpaidMonth(date(2027, 1, 5), 65_000, paid_by_tenant_cents=64_000)]
    state = arrears(ten_euros, 65_000, TERMS)
    assert must_be_constituted(state, ten_euros, earlier) is refused
    assert continues_arrears(earlier) is not refused
    if not refused:
        assert claim_ground(state, ten_euros) is ClaimGround.CONTINUING_ARREARS


def test_damage_alone_needs_no_arrears_and_a_constituted_claim_stands_on_its_own() -> None:
    assert not must_be_constituted(arrears([], 65_000, TERMS), [], [])  # damage alone
    assert claim_ground(arrears([], 65_000, TERMS), []) is ClaimGround.DAMAGE
    two = [UnpaidMonth(date(2027, 1, 5), 65_000), UnpaidMonth(date(2027, 2, 5), 65_000)]
    assert not must_be_constituted(arrears(two, 65_000, TERMS), two, ["damage"])
    assert claim_ground(arrears(two, 65_000, TERMS), two) is ClaimGround.WHOLLY_UNPAID_MONTHS


def test_the_funds_steps_on_a_claim_follow_its_status() -> None:
    assert after_move("filed", ClaimMove.VALIDATE) is ClaimStatus.VALIDATED
    assert after_move("validated", ClaimMove.PAY) is ClaimStatus.PAID
    assert after_move("validated", ClaimMove.REJECT) is ClaimStatus.REJECTED
    for status, move in (("filed", ClaimMove.PAY), ("paid", ClaimMove.REJECT), ("rejected", ClaimMove.VALIDATE)):
        with pytest.raises(InvalidClaimMove):
            after_move(status, move)
