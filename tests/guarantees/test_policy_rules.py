"""Fund policies as data and the eligibility pre-check, table-driven (pure: nothing running)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abri_guarantees.domain.eligibility import AgeGround, FileFacts, age_ground, age_on, evaluate, max_rent_cents, rent_burden
from abri_guarantees.domain.policy import (
    DEFAULTS,
    ILE_DE_FRANCE,
    BurdenLimit,
    FundKind,
    FundPolicy,
    PolicyError,
    RentCap,
    add_months,
    euros,
    fsl_like,
    gli_like,
    policy_from_dict,
    policy_to_dict,
    visale_like,
)

pytestmark = pytest.mark.unit
VISALE = visale_like()
FSL = fsl_like("30")
GLI = gli_like()
TODAY = date(2026, 3, 10)

GOOD = FileFacts(
    birth_date=date(2000, 6, 15),
    resources_cents=300_000,
    rent_cents=70_000,
    charges_cents=5_000,
    departement="30",
    energy_class="D",
)
OLDER = replace(GOOD, birth_date=date(1980, 1, 1))  # 46: needs a ground


def failed(policy: FundPolicy, facts: FileFacts, today: date = TODAY) -> set[str]:
    return {failure.rule for failure in evaluate(policy, facts, today)}


@pytest.mark.parametrize("policy", [VISALE, FSL, GLI], ids=lambda policy: policy.kind)
def test_a_good_file_passes_every_default_policy(policy: FundPolicy) -> None:
    assert evaluate(policy, GOOD, TODAY) == []


@pytest.mark.parametrize(
    ("birth_date", "today", "eligible"),
    [
        (date(1995, 3, 10), date(2026, 3, 9), True),  # 30 on the eve of the 31st birthday
        (date(1995, 3, 10), date(2026, 3, 10), False),  # 31 on the day
        (date(1995, 3, 10), date(2026, 3, 11), False),
        (date(2008, 3, 10), date(2026, 1, 9), False),  # 17 years and 10 months less a day
        (date(2008, 3, 10), date(2026, 1, 10), True),  # 17 years and 10 months: Visale takes the request
        (date(2008, 3, 10), date(2026, 3, 9), True),  # 17, on the eve of 18
        (date(2008, 3, 10), date(2026, 3, 10), True),  # 18 on the day
        (date(2008, 2, 29), date(2025, 12, 28), False),  # born on 29 February: the request opens on 29 December
        (date(2008, 2, 29), date(2025, 12, 29), True),
        (date(1996, 2, 29), date(2027, 2, 28), True),  # born on 29 February: 31 only on 1 March
        (date(1996, 2, 29), date(2027, 3, 1), False),
    ],
)
def test_age_limits_on_the_day(birth_date: date, today: date, eligible: bool) -> None:
    assert ("age_or_situation" not in failed(VISALE, replace(GOOD, birth_date=birth_date), today)) is eligible


@pytest.mark.parametrize(
    ("changes", "today", "ground"),
    [
        ({}, TODAY, None),
        ({"hired_or_transferred_on": date(2025, 9, 10)}, date(2026, 3, 10), AgeGround.RECENTLY_HIRED),  # 6 months to the day
        ({"hired_or_transferred_on": date(2025, 9, 10)}, date(2026, 3, 11), None),
        ({"hired_or_transferred_on": date(2026, 4, 1)}, date(2026, 3, 10), None),  # not hired yet: a job promise, at most
        ({"hired_or_transferred_on": date(2025, 8, 31)}, date(2026, 2, 28), AgeGround.RECENTLY_HIRED),  # 31 Aug + 6 months = 28 Feb
        ({"net_monthly_pay_cents": 150_000, "hired_or_transferred_on": date(2020, 1, 6)}, TODAY, AgeGround.LOW_PAY),
        ({"net_monthly_pay_cents": 150_001, "hired_or_transferred_on": date(2020, 1, 6)}, TODAY, None),
        ({"net_monthly_pay_cents": 1, "hired_or_transferred_on": date(2020, 1, 6)}, TODAY, AgeGround.LOW_PAY),  # a positive pay
        ({"net_monthly_pay_cents": 0, "hired_or_transferred_on": date(2020, 1, 6)}, TODAY, None),  # 0 € is no employee's pay (issue 18)
        ({"net_monthly_pay_cents": 150_000}, TODAY, None),  # no employment declared
        ({"net_monthly_pay_cents": 150_000, "hired_or_transferred_on": date(2026, 3, 11)}, date(2026, 3, 10), None),  # not begun
        ({"net_monthly_pay_cents": 150_000, "hired_or_transferred_on": date(2026, 3, 11)}, date(2026, 3, 11), AgeGround.RECENTLY_HIRED),
        ({"intermediated_letting": True}, TODAY, None),  # off in the default: Visale's IML page not reached
        ({"job_promise_on": date(2025, 12, 10), "job_starts_on": date(2026, 4, 1)}, date(2026, 3, 10), AgeGround.JOB_PROMISE),
        ({"job_promise_on": date(2025, 12, 10), "job_starts_on": date(2026, 4, 1)}, date(2026, 3, 11), None),  # promise too old
        ({"job_promise_on": date(2025, 12, 10)}, date(2026, 3, 10), None),  # no start date: the promise must state one
        ({"job_promise_on": date(2026, 3, 1), "job_starts_on": date(2026, 6, 10)}, date(2026, 3, 10), AgeGround.JOB_PROMISE),  # 3 months
        ({"job_promise_on": date(2026, 3, 1), "job_starts_on": date(2026, 6, 11)}, date(2026, 3, 10), None),  # a day more
        ({"job_promise_on": date(2026, 3, 1), "job_starts_on": date(2026, 3, 10)}, date(2026, 3, 10), AgeGround.JOB_PROMISE),  # today
        ({"job_promise_on": date(2026, 3, 1), "job_starts_on": date(2026, 3, 9)}, date(2026, 3, 10), None),  # begun: a hiring
        ({"job_promise_on": date(2025, 11, 1), "job_starts_on": date(2026, 2, 28)}, date(2025, 11, 30), AgeGround.JOB_PROMISE),  # month end
        ({"job_promise_on": date(2025, 11, 1), "job_starts_on": date(2026, 3, 1)}, date(2025, 11, 30), None),
        ({"bail_mobilite": True}, TODAY, AgeGround.BAIL_MOBILITE),
    ],
)
def test_grounds_for_tenants_over_30(changes: dict[str, object], today: date, ground: AgeGround | None) -> None:
    facts = replace(OLDER, **changes)  # type: ignore[arg-type]
    assert VISALE.age is not None
    assert age_ground(VISALE.age, facts, today) == ground
    assert ("age_or_situation" in failed(VISALE, facts, today)) is (ground is None)


def test_intermediated_letting_and_the_request_lead_are_policy_data() -> None:
    assert VISALE.age is not None
    rule = replace(VISALE.age, intermediated_letting=True)
    assert age_ground(rule, replace(OLDER, intermediated_letting=True), TODAY) is AgeGround.INTERMEDIATED_LETTING
    assert age_ground(rule, OLDER, TODAY) is None
    strict = replace(VISALE.age, apply_months_before_min_age=0)
    assert age_ground(strict, replace(GOOD, birth_date=date(2008, 3, 10)), date(2026, 3, 9)) is None
    assert age_ground(strict, replace(GOOD, birth_date=date(2008, 3, 10)), date(2026, 3, 10)) is AgeGround.AGE
    (young,) = evaluate(VISALE, replace(GOOD, birth_date=date(2008, 3, 10)), date(2026, 1, 9))
    assert {name: young.params[name] for name in ("age", "min_age", "apply_months_before_min_age")} == {
        "age": 17,
        "min_age": 18,
        "apply_months_before_min_age": 2,
    } and "2026-01-10" in young.message
    assert (
        young.params["max_age"] == 30 and young.params["accepts"] == "recently_hired_or_transferred,low_net_pay,job_promise,bail_mobilite"
    )


def test_every_default_failure_cites_its_source_with_a_link_where_one_was_reached() -> None:
    from abri_guarantees.domain.sources import failure_source

    young = evaluate(VISALE, replace(GOOD, birth_date=date(2008, 3, 10)), date(2026, 1, 9))[0]
    assert (
        failure_source(FundKind.VISALE, young).url
        == "https://www.visale.fr/vos-questions/faq-locataires/locataire-de-30-ans-ou-moins-suis-je-eligible"
    )
    older = evaluate(VISALE, OLDER, TODAY)[0]
    assert "plus-de-30-ans" in (failure_source(FundKind.VISALE, older).url or "")
    family = evaluate(VISALE, replace(GOOD, close_family_to_landlord=True), TODAY)[0]
    assert failure_source(FundKind.VISALE, family).url is not None
    for failure in evaluate(FSL, replace(GOOD, departement="34", energy_class="G"), TODAY):
        assert "90-449" in failure_source(FundKind.FSL, failure).text
    for failure in evaluate(GLI, replace(GOOD, rent_cents=300_000), TODAY):
        assert "insurer" in failure_source(FundKind.GLI, failure).text


def test_the_age_failure_says_the_age_and_the_grounds_and_other_funds_ignore_age() -> None:
    (failure,) = evaluate(VISALE, OLDER, TODAY)
    assert failure.rule == "age_or_situation"
    assert "46, over 30" in failure.message and "1,500.00 €" in failure.message and "6 months" in failure.message
    assert failed(FSL, OLDER) == failed(GLI, OLDER) == set()
    assert VISALE.age is not None and age_ground(VISALE.age, GOOD, TODAY) is AgeGround.AGE


def test_close_family_is_refused_by_the_visale_like_policy_only() -> None:
    family = replace(GOOD, close_family_to_landlord=True)
    assert failed(VISALE, family) == {"close_family"}
    assert failed(GLI, family) == set()


RICH = replace(GOOD, resources_cents=1_000_000)
CAP_CASES = [(code, 150_000, 150_001) for code in sorted(ILE_DE_FRANCE)] + [(code, 130_000, 130_001) for code in ("69", "2A", "13", "974")]


@pytest.mark.parametrize(("departement", "at_cap", "above"), CAP_CASES)
def test_visale_rent_cap_at_the_cent_in_and_out_of_ile_de_france(departement: str, at_cap: int, above: int) -> None:
    unit = replace(RICH, departement=departement, charges_cents=10_000)
    assert failed(VISALE, replace(unit, rent_cents=at_cap - 10_000)) == set()
    assert failed(VISALE, replace(unit, rent_cents=above - 10_000)) == {"rent_cap"}


def test_the_cap_failure_names_the_amounts() -> None:
    (failure,) = evaluate(VISALE, replace(RICH, departement="75", rent_cents=140_001, charges_cents=10_000), TODAY)
    assert "1,500.01 €" in failure.message and "1,500.00 €" in failure.message and "75" in failure.message


@pytest.mark.parametrize(
    ("departement", "rent_and_charges", "student", "expected"),
    [
        ("92", 80_000, True, set()),
        ("92", 80_001, True, {"student_rent_cap"}),
        ("69", 60_000, True, set()),
        ("69", 60_001, True, {"student_rent_cap"}),
        ("69", 60_001, False, set()),  # the student cap binds students only
        ("75", 150_001, True, {"rent_cap", "student_rent_cap"}),
    ],
)
def test_student_rent_caps(departement: str, rent_and_charges: int, student: bool, expected: set[str]) -> None:
    facts = replace(RICH, departement=departement, student=student, rent_cents=rent_and_charges, charges_cents=0)
    assert failed(VISALE, facts) == expected


@pytest.mark.parametrize(
    ("policy", "resources", "rent_and_charges", "benefit", "ok"),
    [
        (VISALE, 200_000, 100_000, 0, True),  # 50 % exactly: accepted
        (VISALE, 200_000, 100_001, 0, False),
        (VISALE, 200_000, 120_000, 20_000, True),  # housing benefit deducted first
        (VISALE, 200_000, 120_001, 20_000, False),
        (FSL, 300_000, 99_000, 0, False),  # 33 % exactly: refused, the limit is strict
        (FSL, 300_000, 98_999, 0, True),
        (FSL, 300_000, 108_999, 10_000, True),
        (GLI, 270_000, 100_000, 0, True),  # resources 2.7 × rent
        (GLI, 270_000, 100_001, 0, False),
        (VISALE, 0, 50_000, 0, False),  # no resources
        (VISALE, 0, 50_000, 50_000, True),  # the benefit pays it all
    ],
)
def test_rent_burden_edges(policy: FundPolicy, resources: int, rent_and_charges: int, benefit: int, ok: bool) -> None:
    facts = replace(GOOD, resources_cents=resources, rent_cents=rent_and_charges, charges_cents=0, housing_benefit_cents=benefit)
    assert ("rent_burden" not in failed(policy, facts)) is ok


def test_the_burden_is_the_official_formula_and_its_failure_gives_the_numbers() -> None:
    facts = replace(GOOD, resources_cents=200_000, rent_cents=110_000, charges_cents=10_000, housing_benefit_cents=10_000)
    assert rent_burden(facts) == Fraction(110_000, 200_000)
    assert rent_burden(facts, deducts_housing_benefit=False) == Fraction(120_000, 200_000)
    assert rent_burden(replace(facts, resources_cents=0)) is None
    (failure,) = evaluate(VISALE, facts, TODAY)
    assert failure.message == "a rent burden of 55.00% (1,100.00 € out of 2,000.00 € of resources) must be at most 50.00%"
    (strict,) = evaluate(FSL, replace(facts, resources_cents=300_000, rent_cents=99_000), TODAY)
    assert strict.message.startswith("a rent burden of 33.00% (990.00 € out of 3,000.00 €") and strict.message.endswith("below 33.00%")
    assert "no resources" in evaluate(VISALE, replace(facts, resources_cents=0), TODAY)[0].message


@pytest.mark.parametrize(
    ("energy_class", "ok"), [("A", True), ("B", True), ("C", True), ("D", True), ("E", True), ("F", False), ("G", False)]
)
def test_fsl_energy_classes(energy_class: str, ok: bool) -> None:
    assert ("energy_class" not in failed(FSL, replace(GOOD, energy_class=energy_class))) is ok
    assert "energy_class" not in failed(VISALE, replace(GOOD, energy_class=energy_class))


def test_fsl_needs_a_known_energy_class_and_serves_its_own_departement() -> None:
    assert failed(FSL, replace(GOOD, energy_class=None)) == {"energy_class"}
    assert failed(FSL, replace(GOOD, departement="34")) == {"departement"}
    assert failed(fsl_like("34"), replace(GOOD, departement="34")) == set()


def test_every_failure_is_reported_in_a_stable_order() -> None:
    bad = replace(GOOD, birth_date=date(1970, 1, 1), close_family_to_landlord=True, departement="75", rent_cents=200_000, student=True)
    assert [failure.rule for failure in evaluate(VISALE, bad, TODAY)] == [
        "age_or_situation",
        "close_family",
        "rent_cap",
        "student_rent_cap",
        "rent_burden",
    ]


def test_facts_refuse_negative_money() -> None:
    with pytest.raises(ValueError, match="housing_benefit_cents"):
        replace(GOOD, housing_benefit_cents=-1)


@pytest.mark.parametrize(
    ("policy", "changes", "expected"),
    [
        (VISALE, {"departement": "75", "resources_cents": 400_000}, 150_000),  # the cap binds
        (VISALE, {"departement": "69", "resources_cents": 200_000}, 100_000),  # the burden binds
        (VISALE, {"departement": "69", "resources_cents": 200_001}, 100_000),  # half a cent does not count
        (VISALE, {"resources_cents": 100_000, "housing_benefit_cents": 10_000}, 60_000),
        (VISALE, {"student": True, "departement": "69", "resources_cents": 400_000}, 60_000),
        (FSL, {"resources_cents": 300_000}, 98_999),  # strictly below 33 %
        (FSL, {"resources_cents": 300_100}, 99_032),  # 33 % of 3,001.00 € is 990.33 €: strictly below
        (FSL, {"resources_cents": 0, "housing_benefit_cents": 20_000}, 20_000),
        (GLI, {"resources_cents": 270_000}, 100_000),
        (GLI, {"resources_cents": 10_000_000}, 250_000),
    ],
)
def test_max_rent_for_the_visa(policy: FundPolicy, changes: dict[str, object], expected: int) -> None:
    assert max_rent_cents(policy, replace(GOOD, **changes)) == expected  # type: ignore[arg-type]


def test_no_max_rent_when_no_rule_bounds_it() -> None:
    assert max_rent_cents(FundPolicy(FundKind.GLI, 1, "no limits"), GOOD) is None


@given(
    kind=st.sampled_from(list(FundKind)),
    resources=st.integers(min_value=0, max_value=2_000_000),
    benefit=st.integers(min_value=0, max_value=100_000),
    student=st.booleans(),
    departement=st.sampled_from(["75", "93", "69", "2A", "30"]),
    strict=st.booleans(),
)
def test_max_rent_passes_every_money_rule_and_one_cent_more_fails_one(
    kind: FundKind, resources: int, benefit: int, student: bool, departement: str, strict: bool
) -> None:
    policy = DEFAULTS[kind]()
    if policy.rent_burden is not None:
        policy = replace(policy, rent_burden=replace(policy.rent_burden, inclusive=not strict))
    facts = replace(
        GOOD, resources_cents=resources, housing_benefit_cents=benefit, student=student, departement=departement, charges_cents=0
    )
    ceiling = max_rent_cents(policy, facts)
    assert ceiling is not None
    money_rules = {"rent_cap", "student_rent_cap", "rent_burden"}
    assert not failed(policy, replace(facts, rent_cents=ceiling)) & money_rules
    assert failed(policy, replace(facts, rent_cents=ceiling + 1)) & money_rules


@pytest.mark.parametrize("kind", list(FundKind))
def test_policies_round_trip_through_json(kind: FundKind) -> None:
    policy = DEFAULTS[kind]()
    stored = json.loads(json.dumps(policy_to_dict(policy)))
    assert policy_from_dict(stored) == policy
    assert stored["kind"] == kind.value and isinstance(stored["version"], int)


def test_a_policy_names_only_what_it_changes_and_null_switches_a_rule_off() -> None:
    policy = policy_from_dict(
        {"kind": "visale", "version": 2, "name": "Visale 2026", "rent_cap": {"zone_cents": 160_000}, "student_rent_cap": None}
    )
    assert policy.rent_cap == RentCap(130_000, 160_000, ILE_DE_FRANCE)
    assert policy.student_rent_cap is None and policy.age == VISALE.age
    assert policy_from_dict({"kind": "fsl", "version": 1, "name": "FSL Hérault", "departements": ["34"]}).departements == frozenset({"34"})
    stricter = policy_from_dict({"kind": "gli", "version": 3, "name": "GLI", "rent_burden": {"max_ratio": 0.33, "inclusive": False}})
    assert stricter.rent_burden == BurdenLimit(Fraction(33, 100), inclusive=False)
    assert policy_from_dict({"kind": "gli", "version": 1, "name": "GLI", "age": {}}).age == VISALE.age  # a new section: its defaults


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("not an object", "(policy)"),
        ({"version": 1, "name": "x"}, "kind"),
        ({"kind": "bank", "version": 1, "name": "x"}, "kind"),
        ({"kind": "visale", "name": "x"}, "version"),
        ({"kind": "visale", "version": 0, "name": "x"}, "version"),
        ({"kind": "visale", "version": "2", "name": "x"}, "version"),
        ({"kind": "visale", "version": 1, "name": " "}, "name"),
        ({"kind": "visale", "version": 1, "name": "x", "rent_cap": {"default_cents": 1300.5}}, "rent_cap.default_cents"),
        ({"kind": "visale", "version": 1, "name": "x", "rent_cap": {"default_cents": -1}}, "rent_cap.default_cents"),
        ({"kind": "visale", "version": 1, "name": "x", "rent_cap": {"ceiling": 1}}, "rent_cap.ceiling"),
        ({"kind": "visale", "version": 1, "name": "x", "rent_cap": [1]}, "rent_cap"),
        ({"kind": "fsl", "version": 1, "name": "x", "rent_cap": {"zone_cents": 1}}, "rent_cap.default_cents"),
        ({"kind": "visale", "version": 1, "name": "x", "rent_burden": {"max_ratio": "half"}}, "rent_burden.max_ratio"),
        ({"kind": "visale", "version": 1, "name": "x", "rent_burden": {"max_ratio": "3/2"}}, "rent_burden.max_ratio"),
        ({"kind": "visale", "version": 1, "name": "x", "rent_burden": {"max_ratio": "1/0"}}, "rent_burden.max_ratio"),
        ({"kind": "visale", "version": 1, "name": "x", "forbid_close_family": "yes"}, "forbid_close_family"),
        ({"kind": "visale", "version": 1, "name": "x", "cover": None}, "cover"),
        ({"kind": "visale", "version": 1, "name": "x", "age": {"min_age": 31}}, "age.min_age"),
        ({"kind": "fsl", "version": 1, "name": "x", "energy_classes": ["A", "H"]}, "energy_classes"),
        ({"kind": "fsl", "version": 1, "name": "x", "departements": ["Gard"]}, "departements"),
        ({"kind": "fsl", "version": 1, "name": "x", "claims": {"declaration_from": "tomorrow"}}, "claims.declaration_from"),
        ({"kind": "fsl", "version": 1, "name": "x", "colour": "red"}, "colour"),
    ],
)
def test_a_malformed_policy_is_refused_naming_the_field(data: object, field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        policy_from_dict(data)
    assert refused.value.field == field
    assert isinstance(refused.value, ValueError) and field in str(refused.value)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 11, 15), 3, date(2026, 2, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
    ],
)
def test_month_arithmetic(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_ages_and_amounts_as_the_messages_show_them() -> None:
    assert age_on(date(2000, 3, 10), date(2026, 3, 9)) == 25 and age_on(date(2000, 3, 10), date(2026, 3, 10)) == 26
    assert [euros(cents) for cents in (0, 5, 150_001, 123_456_789, -250)] == ["0.00 €", "0.05 €", "1,500.01 €", "1,234,567.89 €", "-2.50 €"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"visa": {"valid_months": 100_000}}, "visa.valid_months"),
        ({"visa": {"valid_months": 3, "lease_signing_months": 4}}, "visa.lease_signing_months"),
        ({"claims": {"formal_notice_days": 10**12}}, "claims.formal_notice_days"),
        ({"claims": {"wholly_unpaid_months": 0}}, "claims.wholly_unpaid_months"),
        ({"cover": {"unpaid_rent_months": 0}}, "cover.unpaid_rent_months"),
        ({"rent_cap": {"default_cents": 10**10}}, "rent_cap.default_cents"),
    ],
)
def test_counts_and_amounts_out_of_range_are_refused_before_they_can_overflow(changes: dict[str, Any], field: str) -> None:
    data = {**policy_to_dict(visale_like()), **{k: {**policy_to_dict(visale_like())[k], **v} for k, v in changes.items()}}
    with pytest.raises(PolicyError) as refused:
        policy_from_dict(data)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("changes", "problem", "params"),
    [
        (
            {"job_promise_on": date(2026, 2, 1)},
            "start_missing",
            {"missing": "job_starts_on", "job_starts_by": "2026-06-10", "job_starts_within_months": 3, "job_promise_on": "2026-02-01"},
        ),
        ({"job_promise_on": date(2026, 2, 1), "job_starts_on": date(2026, 6, 11)}, "start_too_late", {"job_starts_on": "2026-06-11"}),
        ({"job_promise_on": date(2026, 2, 1), "job_starts_on": date(2026, 3, 9)}, "start_passed", {"job_starts_on": "2026-03-09"}),
    ],
)
def test_a_job_promise_that_falls_short_names_its_start_date(changes: dict[str, object], problem: str, params: dict[str, object]) -> None:
    (failure,) = evaluate(VISALE, replace(OLDER, **changes), TODAY)  # type: ignore[arg-type]
    assert failure.rule == "age_or_situation" and failure.fields == ("job_starts_on",)
    assert failure.params["job_promise"] == problem and params.items() <= dict(failure.params).items()
    assert "start" in failure.message and failure.params["age"] == 46


def test_an_old_promise_names_its_date_and_the_start_rule_is_policy_data() -> None:
    (old,) = evaluate(VISALE, replace(OLDER, job_promise_on=date(2025, 12, 9), job_starts_on=date(2026, 4, 1)), TODAY)
    assert old.fields == ("job_promise_on",) and old.params["job_promise"] == "promise_too_old"
    assert VISALE.age is not None
    lenient = replace(VISALE, age=replace(VISALE.age, job_starts_within_months=None))  # a fund without the start condition
    assert evaluate(lenient, replace(OLDER, job_promise_on=date(2026, 2, 1)), TODAY) == []
    assert policy_to_dict(VISALE)["age"]["job_starts_within_months"] == 3
    with pytest.raises(PolicyError, match="job_starts_within_months"):
        policy_from_dict({"kind": "visale", "version": 2, "name": "x", "age": {"job_starts_within_months": 61}})


def test_a_low_pay_without_a_hiring_date_names_the_missing_date() -> None:
    (failure,) = evaluate(VISALE, replace(OLDER, net_monthly_pay_cents=120_000), TODAY)
    assert failure.fields == ("hired_or_transferred_on",)
    assert failure.params["low_pay"] == "hiring_date_missing" and failure.params["missing"] == "hired_or_transferred_on"
    assert failure.params["net_monthly_pay_cents"] == 120_000 and "hiring (or transfer) date" in failure.message
    (later,) = evaluate(VISALE, replace(OLDER, net_monthly_pay_cents=120_000, hired_or_transferred_on=date(2026, 3, 11)), TODAY)
    assert later.params["low_pay"] == "not_employed_yet" and later.params["hired_or_transferred_on"] == "2026-03-11"
    assert later.fields == ("hired_or_transferred_on",) and "missing" not in later.params
    (both,) = evaluate(VISALE, replace(OLDER, net_monthly_pay_cents=120_000, job_promise_on=date(2026, 3, 1)), TODAY)
    assert both.fields == ("hired_or_transferred_on", "job_starts_on")
    assert both.params["missing"] == "hired_or_transferred_on, job_starts_on"
    for pay in (0, 150_001):  # no employee's pay, or above the ceiling: nothing is missing, the pay itself fails
        (failure,) = evaluate(VISALE, replace(OLDER, net_monthly_pay_cents=pay), TODAY)
        assert "low_pay" not in failure.params and failure.fields == ()
