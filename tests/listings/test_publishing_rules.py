"""Publishing rules of the listings service, table-driven (pure: nothing running)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from abri_listings.domain.energy import dpe_class, letting_ban
from abri_listings.domain.lifecycle import InvalidTransition, Transition, UnitStatus, next_status
from abri_listings.domain.policy import LettingBan, ListingsPolicy
from abri_listings.domain.rules import UnitFacts, publishing_failures
from abri_listings.reference_rents import ReferenceRentsError, load_reference_rents
from abri_listings.usecases.publishing import PolicyFileError, load_policy

pytestmark = pytest.mark.unit
POLICY = ListingsPolicy()
REFERENCE_RENTS = {"75056": 30.0, "34172": 14.0}
TODAY = date(2026, 11, 28)

GOOD = UnitFacts(
    departement="34",
    insee_code="34172",
    rooms=2,
    living_area_m2=40.0,
    ceiling_height_m=2.5,
    furnished=False,
    rent_cents=40_000,
    charges_cents=5_000,
    deposit_cents=40_000,
    energy_class="D",
    primary_energy_kwh=200.0,
    emissions_kg=40.0,
    final_energy_kwh=150.0,
    dpe_date=date(2024, 3, 1),
    schemes=("intermediated_letting",),
)


def failed(unit: UnitFacts, on: date = TODAY) -> set[str]:
    return {failure.rule for failure in publishing_failures(unit, on, POLICY, REFERENCE_RENTS)}


def test_a_decent_unit_passes_every_rule() -> None:
    assert failed(GOOD) == set()


@pytest.mark.parametrize(
    ("energy_class", "departement", "on", "banned"),
    [
        ("G", "34", date(2024, 12, 31), False),
        ("G", "34", date(2025, 1, 1), True),
        ("F", "34", date(2027, 12, 31), False),
        ("F", "34", date(2028, 1, 1), True),
        ("E", "34", date(2033, 12, 31), False),
        ("E", "34", date(2034, 1, 1), True),
        ("D", "34", date(2040, 1, 1), False),
        ("G", "974", date(2027, 12, 31), False),  # overseas: G from 2028
        ("G", "974", date(2028, 1, 1), True),
        ("F", "971", date(2030, 12, 31), False),  # overseas: F from 2031
        ("F", "971", date(2031, 1, 1), True),
        ("E", "972", date(2040, 1, 1), False),  # no E ban overseas in the calendar
    ],
)
def test_energy_letting_bans_by_date_and_calendar(energy_class: str, departement: str, on: date, banned: bool) -> None:
    assert (letting_ban(energy_class, departement, on, POLICY) is not None) is banned


@pytest.mark.parametrize(
    ("primary", "emissions", "expected"),
    [
        (70, 6, "A"),
        (71, 6, "B"),
        (110, 11, "B"),
        (180, 30, "C"),
        (250, 50, "D"),
        (330, 70, "E"),
        (420, 100, "F"),
        (421, 10, "G"),
        (100, 101, "G"),
        (60, 60, "E"),
    ],
)
def test_dpe_class_is_the_worse_of_energy_and_emissions(primary: float, emissions: float, expected: str) -> None:
    assert dpe_class(primary, emissions, POLICY) == expected


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"energy_class": "G", "primary_energy_kwh": 500.0, "emissions_kg": 120.0}, "energy_letting_ban"),
        ({"final_energy_kwh": 451.0}, "final_energy_decency"),
        ({"living_area_m2": 8.5, "ceiling_height_m": 2.3}, "minimum_size"),
        ({"energy_class": "B"}, "coherent_energy_class"),
        ({"rent_cents": 0}, "coherent_numbers"),
        ({"deposit_cents": 40_001}, "deposit_cap"),
        ({"dpe_date": date(2016, 1, 1)}, "dpe_validity"),
        ({"dpe_date": date(2027, 1, 1)}, "coherent_numbers"),
        ({"schemes": ("loc_avantages_2",), "rent_cents": 40_000, "living_area_m2": 40.0}, "loc_avantages_rent"),
        ({"schemes": ("loc_avantages_1",), "furnished": True, "rent_cents": 40_000}, "loc_avantages_unfurnished"),
        ({"schemes": ("loc_avantages_1",), "insee_code": "99999"}, "loc_avantages_reference_rent"),
    ],
)
def test_each_rule_refuses_what_it_names(changes: dict[str, object], rule: str) -> None:
    assert rule in failed(replace(GOOD, **changes))  # type: ignore[arg-type]


def test_minimum_size_accepts_the_volume_alternative() -> None:
    assert "minimum_size" not in failed(replace(GOOD, living_area_m2=8.5, ceiling_height_m=2.4))  # 20.4 m³


@pytest.mark.parametrize(("rent_cents", "ok"), [(47_600, True), (47_700, False)])  # 40 m² × 14 €/m² × 85 % = 476 €
def test_loc_avantages_rent_ceiling_at_the_edge(rent_cents: int, ok: bool) -> None:
    unit = replace(GOOD, schemes=("loc_avantages_1",), rent_cents=rent_cents, deposit_cents=rent_cents)
    assert ("loc_avantages_rent" not in failed(unit)) is ok


def test_loc_avantages_energy_class_tightens_in_2028() -> None:
    class_e = replace(
        GOOD,
        schemes=("loc_avantages_1",),
        energy_class="E",
        primary_energy_kwh=300.0,
        emissions_kg=60.0,
        rent_cents=30_000,
        deposit_cents=0,
    )
    assert "loc_avantages_energy" not in failed(class_e, date(2027, 12, 31))
    assert "loc_avantages_energy" in failed(class_e, date(2028, 1, 1))


def test_a_refusal_names_every_failed_rule() -> None:
    unit = replace(GOOD, living_area_m2=5.0, ceiling_height_m=2.0, final_energy_kwh=600.0, deposit_cents=90_000)
    assert {"minimum_size", "final_energy_decency", "deposit_cap"} <= failed(unit)


@pytest.mark.parametrize(
    ("status", "transition", "expected"),
    [
        (UnitStatus.DRAFT, Transition.PUBLISH, UnitStatus.PUBLISHED),
        (UnitStatus.DRAFT, Transition.WITHDRAW, UnitStatus.WITHDRAWN),
        (UnitStatus.PUBLISHED, Transition.WITHDRAW, UnitStatus.WITHDRAWN),
        (UnitStatus.PUBLISHED, Transition.RESERVE, UnitStatus.RESERVED),
        (UnitStatus.RESERVED, Transition.LET, UnitStatus.LET),
        (UnitStatus.RESERVED, Transition.REPUBLISH, UnitStatus.PUBLISHED),
        (UnitStatus.RESERVED, Transition.RETURN_TO_DRAFT, UnitStatus.DRAFT),
    ],
)
def test_allowed_transitions(status: UnitStatus, transition: Transition, expected: UnitStatus) -> None:
    assert next_status(status, transition) is expected


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        (UnitStatus.DRAFT, Transition.RESERVE),
        (UnitStatus.PUBLISHED, Transition.PUBLISH),
        (UnitStatus.RESERVED, Transition.WITHDRAW),
        (UnitStatus.LET, Transition.WITHDRAW),
        (UnitStatus.WITHDRAWN, Transition.PUBLISH),
        (UnitStatus.LET, Transition.REPUBLISH),
        (UnitStatus.PUBLISHED, Transition.RETURN_TO_DRAFT),
        (UnitStatus.LET, Transition.RESERVE),
    ],
)
def test_other_transitions_are_refused(status: UnitStatus, transition: Transition) -> None:
    with pytest.raises(InvalidTransition):
        next_status(status, transition)


def test_the_shipped_reference_rent_table_loads_and_bad_tables_are_refused(tmp_path: Path) -> None:
    rents = load_reference_rents()
    assert rents["75056"] > rents["30189"] > 0
    bad = tmp_path / "rents.csv"
    bad.write_text("insee_code,commune,reference_rent_eur_m2,year,source\n75056,Paris,lots,2026,x\n")
    with pytest.raises(ReferenceRentsError, match="not a number"):
        load_reference_rents(bad)
    bad.write_text("code,rent\n75056,30\n")
    with pytest.raises(ReferenceRentsError, match="columns"):
        load_reference_rents(bad)


def test_a_policy_file_overrides_the_sourced_defaults_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    overrides = {"min_living_area_m2": 12, "min_volume_m3": 30, "letting_bans": [{"energy_class": "D", "since": "2026-01-01"}]}
    path.write_text(json.dumps(overrides))
    stricter = load_policy(path)
    assert stricter.min_living_area_m2 == 12 and stricter.letting_bans == (LettingBan("D", date(2026, 1, 1)),)
    assert stricter.max_final_energy_kwh == POLICY.max_final_energy_kwh  # what the file does not name keeps its default
    small = replace(GOOD, living_area_m2=10.0)
    assert failed(small) == set()
    assert {f.rule for f in publishing_failures(small, TODAY, stricter, REFERENCE_RENTS)} == {"minimum_size", "energy_letting_ban"}
    for bad in ('{"min_living_area_m2": "large"}', "not json", '{"letting_bans": [{"energy_class": "D"}]}'):
        path.write_text(bad)
        with pytest.raises(PolicyFileError, match="not a listings policy"):
            load_policy(path)
