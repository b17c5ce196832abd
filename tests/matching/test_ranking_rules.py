"""Ranking rules and score (pure), with property-based checks (hypothesis) of what must never matter."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abri_matching.domain.households import last_day_under
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.ranking import RULES, HouseholdFacts, UnitFacts, evaluate, overcrowding_min_area, rent_burden
from abri_matching.domain.vector import score_households, score_units

pytestmark = pytest.mark.unit
POLICY = MatchingPolicy()
TODAY = date(2026, 11, 28)
SCHEMES = ["intermediated_letting", "sliding_lease", "direct_lease", "loc_avantages_1"]
PROTECTED = {
    "origin", "sex", "gender", "family_situation", "pregnancy", "appearance", "surname", "name", "first_name", "last_name",
    "place_of_residence", "address", "health", "disability", "autonomy", "genetics", "morals", "sexual_orientation",
    "gender_identity", "age", "birth_date", "political_opinions", "union", "language", "ethnicity", "nationality", "race",
    "religion", "economic_vulnerability", "priority_situations",
}  # fmt: skip
"""Article 225-1 Code pénal grounds (and the fields that would carry them)."""

units = st.builds(
    UnitFacts,
    insee_code=st.sampled_from(["34172", "34057", "30189"]),
    latitude=st.floats(43.4, 43.8),
    longitude=st.floats(3.6, 4.1),
    rooms=st.integers(1, 6),
    living_area_m2=st.floats(12, 120),
    floor=st.integers(0, 6),
    elevator=st.booleans(),
    accessibility=st.frozensets(st.sampled_from(["step_free_access", "ground_floor", "accessible_bathroom"])),
    rent_cents=st.integers(20_000, 110_000),
    charges_cents=st.integers(0, 15_000),
    schemes=st.frozensets(st.sampled_from(SCHEMES), min_size=1),
    available_from=st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=300)),
    energy_cost_cents=st.one_of(st.none(), st.integers(0, 60_000)),
    shared=st.booleans(),
    occupants_max=st.integers(1, 4),
    smoke_free=st.booleans(),
    quiet_hours=st.booleans(),
    cohabitation=st.booleans(),
)
households = st.builds(
    HouseholdFacts,
    persons=st.integers(1, 9),
    resources_cents=st.integers(0, 400_000),
    housing_benefit_cents=st.integers(0, 60_000),
    needs_step_free=st.booleans(),
    needs_ground_floor=st.booleans(),
    min_bedrooms=st.integers(0, 4),
    wanted_communes=st.lists(st.sampled_from(["34172", "34057", "30189"]), max_size=2).map(tuple),
    wanted_latitude=st.one_of(st.none(), st.floats(43.5, 43.7)),
    wanted_longitude=st.floats(3.7, 4.0),
    wanted_radius_km=st.floats(2, 40),
    priority_level=st.integers(0, 2),
    registered_since=st.dates(TODAY - timedelta(days=2000), TODAY),
    rent_burden_threshold=st.floats(0.2, 0.6),
    schemes=st.frozensets(st.sampled_from(SCHEMES), min_size=1),
    needs_smoke_free=st.booleans(),
    needs_quiet_hours=st.booleans(),
    cohabitation_until=st.one_of(st.none(), st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=400))),
)


LAWS_OWN_GROUNDS = {"cohabitation_until": "cohabitation_age"}
"""A protected ground a law makes a condition, under another name: age (CCH art. L631-17: intergenerational
cohabitation takes a person under 30), carried as the person's last day under it, fed only to its named rule
(``RULE_ONLY_FIELDS`` checks it never changes the score)."""


def test_no_protected_ground_is_an_input_of_the_rules_or_the_score() -> None:
    inputs = {field.name for cls in (HouseholdFacts, UnitFacts) for field in dataclasses.fields(cls)}
    assert not {name for name in inputs if any(ground in name for ground in PROTECTED)}
    for field, rule in LAWS_OWN_GROUNDS.items():
        assert field in inputs and RULE_ONLY_FIELDS[field][0] == rule


@pytest.mark.parametrize(("persons", "norm"), [(1, 9), (2, 16), (3, 25), (4, 34), (7, 61), (8, 70), (12, 70)])
def test_overcrowding_norm(persons: int, norm: float) -> None:
    assert overcrowding_min_area(float(persons), POLICY) == norm


def test_rent_burden_is_the_official_formula() -> None:
    assert rent_burden(50_000.0, 5_000.0, 15_000.0, 160_000.0) == pytest.approx(0.25)
    assert rent_burden(50_000.0, 5_000.0, 15_000.0, 0.0) == float("inf")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(household=households, batch=st.lists(units, min_size=1, max_size=12))
def test_the_vector_ranking_agrees_with_the_explained_one(household: HouseholdFacts, batch: list[UnitFacts]) -> None:
    scores = score_units(household, batch, TODAY, POLICY)
    for row, unit in enumerate(batch):
        explained = evaluate(household, unit, TODAY, POLICY)
        assert bool(scores.eligible[row]) == explained.eligible, explained.rules
        assert float(scores.score[row]) == pytest.approx(explained.score, abs=1e-9)
    reverse = score_households(batch[0], [household], TODAY, POLICY)
    assert bool(reverse.eligible[0]) == bool(scores.eligible[0]) and float(reverse.score[0]) == pytest.approx(
        float(scores.score[0]), abs=1e-9
    )


RULE_ONLY_FIELDS = {
    "persons": ({"overcrowding", "room_capacity", "cohabitation_age"}, st.integers(1, 9)),
    "resources_cents": ("rent_burden", st.integers(0, 400_000)),
    "housing_benefit_cents": ("rent_burden", st.integers(0, 60_000)),
    "needs_step_free": ("accessibility", st.booleans()),
    "needs_ground_floor": ("accessibility", st.booleans()),
    "needs_smoke_free": ("house_rules", st.booleans()),
    "needs_quiet_hours": ("house_rules", st.booleans()),
    "cohabitation_until": ("cohabitation_age", st.one_of(st.none(), st.dates(TODAY - timedelta(days=30), TODAY + timedelta(days=400)))),
}


@pytest.mark.parametrize("field", sorted(RULE_ONLY_FIELDS))
def test_a_field_that_feeds_only_a_named_rule_never_changes_the_ranking_of_units_that_pass_it(field: str) -> None:
    rule, values = RULE_ONLY_FIELDS[field]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(household=households, batch=st.lists(units, min_size=2, max_size=10), other=values)
    def check(household: HouseholdFacts, batch: list[UnitFacts], other: Any) -> None:
        changed = dataclasses.replace(household, **{field: other})
        before, after = score_units(household, batch, TODAY, POLICY), score_units(changed, batch, TODAY, POLICY)
        both = [row for row in range(len(batch)) if before.eligible[row] and after.eligible[row]]
        assert [round(float(before.score[row]), 12) for row in both] == [round(float(after.score[row]), 12) for row in both]
        for row in range(len(batch)):  # and where eligibility changed, it is the named rule that changed
            if before.eligible[row] != after.eligible[row]:
                changes = {
                    r.rule
                    for r, s in zip(
                        evaluate(household, batch[row], TODAY, POLICY).rules,
                        evaluate(changed, batch[row], TODAY, POLICY).rules,
                        strict=True,
                    )
                    if r.passed != s.passed
                }
                assert changes and changes <= (rule if isinstance(rule, set) else {rule})

    check()


def test_every_result_carries_its_reasons() -> None:
    household = HouseholdFacts(
        persons=3, resources_cents=180_000, housing_benefit_cents=30_000, needs_step_free=True, needs_ground_floor=False, min_bedrooms=2,
        wanted_communes=("34172",), wanted_latitude=43.61, wanted_longitude=3.87, wanted_radius_km=10, priority_level=2,
        registered_since=date(2025, 11, 28), rent_burden_threshold=0.33, schemes=frozenset(SCHEMES),
    )  # fmt: skip
    unit = UnitFacts(
        insee_code="34172", latitude=43.62, longitude=3.88, rooms=3, living_area_m2=60, floor=2, elevator=True,
        accessibility=frozenset({"step_free_access"}), rent_cents=55_000, charges_cents=5_000, schemes=frozenset({"sliding_lease"}),
        available_from=date(2027, 1, 1),
    )  # fmt: skip
    explained = evaluate(household, unit, TODAY, POLICY)
    assert explained.eligible and [r.rule for r in explained.rules] == [
        "overcrowding", "accessibility", "bedrooms", "rent_burden", "wanted_place", "availability", "scheme",
        "room_capacity", "house_rules", "cohabitation_age",
    ]  # fmt: skip
    assert [r.rule for r in explained.rules] == list(RULES)  # each rule in the table of rules, with its source
    assert all(r.source for r in explained.rules)
    assert {c.name: c.value for c in explained.components}["priority"] == 1.0
    assert "rent burden 17%" in next(r.reason for r in explained.rules if r.rule == "rent_burden")
    cramped = evaluate(dataclasses.replace(household, persons=7), unit, TODAY, POLICY)
    assert not cramped.eligible and cramped.score == 0 and [r.rule for r in cramped.rules if not r.passed] == ["overcrowding"]


def test_a_room_of_a_shared_home_takes_the_household_and_meets_its_stated_constraints() -> None:
    household = HouseholdFacts(
        persons=1, resources_cents=120_000, housing_benefit_cents=20_000, needs_step_free=False, needs_ground_floor=False, min_bedrooms=1,
        wanted_communes=("34172",), wanted_latitude=None, wanted_longitude=None, wanted_radius_km=None, priority_level=1,
        registered_since=date(2025, 11, 28), rent_burden_threshold=0.33, schemes=frozenset(SCHEMES), needs_smoke_free=True,
    )  # fmt: skip
    room = UnitFacts(
        insee_code="34172", latitude=43.62, longitude=3.88, rooms=1, living_area_m2=12, floor=2, elevator=True,
        accessibility=frozenset(), rent_cents=35_000, charges_cents=5_000, schemes=frozenset({"intermediated_letting"}),
        available_from=date(2027, 1, 1), shared=True, occupants_max=1, smoke_free=True, quiet_hours=False,
    )  # fmt: skip
    fits = evaluate(household, room, TODAY, POLICY)
    assert fits.eligible  # a room is a bedroom: one needed, one offered
    assert next(r for r in fits.rules if r.rule == "bedrooms").params["bedrooms"] == 1
    smoky = evaluate(household, dataclasses.replace(room, smoke_free=False), TODAY, POLICY)
    assert [(r.rule, r.params["unmet"]) for r in smoky.rules if not r.passed] == [("house_rules", "smoke_free")]
    quiet = evaluate(dataclasses.replace(household, needs_quiet_hours=True), room, TODAY, POLICY)
    assert [r.rule for r in quiet.rules if not r.passed] == ["house_rules"]
    couple = evaluate(dataclasses.replace(household, persons=2), dataclasses.replace(room, living_area_m2=16), TODAY, POLICY)
    assert [r.rule for r in couple.rules if not r.passed] == ["room_capacity"]  # a room for one
    assert evaluate(
        dataclasses.replace(household, persons=2), dataclasses.replace(room, living_area_m2=16, occupants_max=2), TODAY, POLICY
    ).eligible
    whole = dataclasses.replace(room, shared=False, smoke_free=False, rooms=2, living_area_m2=30)
    assert evaluate(household, whole, TODAY, POLICY).eligible  # house rules bind only a shared home: a home of one's own is free


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(household=households, unit=units, energy=st.integers(0, 60_000))
def test_the_energy_bill_is_explained_beside_the_rent_burden_and_only_orders(
    household: HouseholdFacts, unit: UnitFacts, energy: int
) -> None:
    without = evaluate(household, dataclasses.replace(unit, energy_cost_cents=None), TODAY, POLICY)
    with_bill = evaluate(household, dataclasses.replace(unit, energy_cost_cents=energy), TODAY, POLICY)
    assert with_bill.eligible == without.eligible  # never excludes a home the rules allow
    if with_bill.eligible:
        component = {c.name: c for c in with_bill.components}["energy_cost"]
        assert component.value == pytest.approx(max(0.0, 1 - energy / POLICY.energy_reference_cents))
        assert with_bill.score - without.score == pytest.approx(component.weight * (component.value - POLICY.energy_unknown_component))
        assert component.params == {"energy_cents": energy}
    rule = {r.rule: r for r in with_bill.rules}["rent_burden"]
    plain = {r.rule: r for r in without.rules}["rent_burden"]
    assert rule.passed == plain.passed and "energy_cents" not in plain.params
    assert rule.params["energy_cents"] == energy and rule.params["burden"] == plain.params["burden"]
    if household.resources_cents > 0:
        expected = (unit.rent_cents + unit.charges_cents + energy - household.housing_benefit_cents) / household.resources_cents
        assert rule.params["burden_with_energy"] == round(expected, 4)
        assert "with the estimated energy bill" in rule.reason
    else:
        assert rule.params["burden_with_energy"] is None and rule.reason == "no resources recorded"


def test_the_weights_of_an_earlier_configuration_still_hold_and_an_unknown_or_negative_one_is_refused() -> None:
    from abri_matching.settings import MatchingSettings

    base: dict[str, Any] = {"database_url": "postgresql+asyncpg://unit@127.0.0.1/none"}
    earlier = {"priority": 0.40, "waiting_time": 0.25, "size_fit": 0.20, "distance": 0.15}
    policy = MatchingSettings(**base, ranking={"weights": earlier}).policy()
    assert policy.weights == earlier  # the energy bill then weighs nothing
    household = HouseholdFacts(
        persons=2, resources_cents=200_000, housing_benefit_cents=20_000, needs_step_free=False, needs_ground_floor=False,
        min_bedrooms=1, wanted_communes=("34172",), wanted_latitude=None, wanted_longitude=None, wanted_radius_km=None,
        priority_level=1, registered_since=TODAY - timedelta(days=400), rent_burden_threshold=0.33, schemes=frozenset({"direct_lease"}),
    )  # fmt: skip
    unit = UnitFacts(
        insee_code="34172", latitude=43.61, longitude=3.87, rooms=2, living_area_m2=40.0, floor=1, elevator=False,
        accessibility=frozenset(), rent_cents=45_000, charges_cents=5_000, schemes=frozenset({"direct_lease"}),
        available_from=TODAY, energy_cost_cents=25_000,
    )  # fmt: skip
    assert evaluate(household, unit, TODAY, policy).eligible
    scores = score_units(household, [unit], TODAY, policy)
    assert scores.score[0] == pytest.approx(evaluate(household, unit, TODAY, policy).score)
    for weights in ({**earlier, "luck": 0.1}, {**earlier, "energy_cost": -0.1}, {"priority": 1.0}):
        with pytest.raises(ValueError, match="weights"):
            MatchingSettings(**base, ranking={"weights": weights}).policy()


@pytest.mark.parametrize(
    ("born", "until"),
    [(date(1997, 6, 15), date(2027, 6, 14)), (date(2000, 2, 29), date(2030, 2, 28)), (date(1996, 3, 1), date(2026, 2, 28))],
)
def test_the_last_day_under_30_is_the_eve_of_the_30th_birthday(born: date, until: date) -> None:
    assert last_day_under(born, 30) == until


def test_intergenerational_cohabitation_takes_one_person_under_30_on_the_first_day() -> None:
    young = HouseholdFacts(
        persons=1, resources_cents=90_000, housing_benefit_cents=10_000, needs_step_free=False, needs_ground_floor=False, min_bedrooms=1,
        wanted_communes=("34172",), wanted_latitude=None, wanted_longitude=None, wanted_radius_km=None, priority_level=0,
        registered_since=date(2026, 9, 1), rent_burden_threshold=0.33, schemes=frozenset({"intergenerational_cohabitation"}),
        cohabitation_until=date(2027, 1, 1),
    )  # fmt: skip
    room = UnitFacts(
        insee_code="34172", latitude=43.62, longitude=3.88, rooms=1, living_area_m2=12, floor=1, elevator=False,
        accessibility=frozenset(), rent_cents=20_000, charges_cents=3_000, schemes=frozenset({"intergenerational_cohabitation"}),
        available_from=date(2027, 1, 1), cohabitation=True,
    )  # fmt: skip
    assert evaluate(young, room, TODAY, POLICY).eligible  # the first day is the last under 30: still under
    assert next(r for r in evaluate(young, room, TODAY, POLICY).rules if r.rule == "bedrooms").params["bedrooms"] == 1  # the host's room
    later = dataclasses.replace(room, available_from=date(2027, 1, 2))
    assert [r.rule for r in evaluate(young, later, TODAY, POLICY).rules if not r.passed] == ["cohabitation_age"]
    two = dataclasses.replace(young, persons=2)
    assert "cohabitation_age" in [
        r.rule for r in evaluate(two, dataclasses.replace(room, living_area_m2=16), TODAY, POLICY).rules if not r.passed
    ]
    unrecorded = dataclasses.replace(young, cohabitation_until=None)
    assert not evaluate(unrecorded, room, TODAY, POLICY).eligible  # not sought: never offered one
    whole = evaluate(unrecorded, dataclasses.replace(room, cohabitation=False, schemes=frozenset({"direct_lease"})), TODAY, POLICY)
    assert next(r for r in whole.rules if r.rule == "cohabitation_age").passed  # not a cohabitation: the rule does not apply
    scores = score_units(young, [room, later], TODAY, POLICY)
    assert scores.eligible.tolist() == [True, False]
    assert score_households(room, [young, two, unrecorded], TODAY, POLICY).eligible.tolist() == [True, False, False]
