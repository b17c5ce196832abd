"""Publishing rules of the listings service, table-driven (pure: nothing running), each at its edges:
the eve and the first day of every dated rule, both sides of every threshold."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from abri_listings.domain.energy import banned_from, class_limits, dpe_class, dpe_valid_until, letting_ban
from abri_listings.domain.facts import UnitFacts
from abri_listings.domain.lifecycle import InvalidTransition, Transition, UnitStatus, next_status
from abri_listings.domain.policy import LettingBan, ListingsPolicy
from abri_listings.domain.reference_rents import ReferenceRents
from abri_listings.domain.rules import publishing_failures
from abri_listings.domain.sources import SOURCES
from abri_listings.usecases.publishing import PolicyFileError, load_policy

pytestmark = pytest.mark.unit
POLICY = ListingsPolicy()
REFERENCE_RENTS = ReferenceRents.of({"75056": "30.00", "34172": "14.00"})
TODAY = date(2026, 11, 28)

GOOD = UnitFacts(
    insee_code="34172",
    overseas=False,
    kind="apartment",
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
    available_from=date(2026, 1, 1),
    schemes=("intermediated_letting",),
)
CLASS_F = replace(GOOD, energy_class="F", primary_energy_kwh=400.0, emissions_kg=60.0)


def failed(unit: UnitFacts, on: date = TODAY, policy: ListingsPolicy = POLICY) -> set[str]:
    return {failure.rule for failure in publishing_failures(unit, on, policy, REFERENCE_RENTS)}


def test_a_decent_unit_passes_every_rule() -> None:
    assert failed(GOOD) == set()


@pytest.mark.parametrize(
    ("energy_class", "overseas", "on", "banned"),
    [
        ("G", False, date(2024, 12, 31), False),
        ("G", False, date(2025, 1, 1), True),
        ("F", False, date(2027, 12, 31), False),
        ("F", False, date(2028, 1, 1), True),
        ("E", False, date(2033, 12, 31), False),
        ("E", False, date(2034, 1, 1), True),
        ("D", False, date(2040, 1, 1), False),
        ("G", True, date(2027, 12, 31), False),  # overseas: G from 2028
        ("G", True, date(2028, 1, 1), True),
        ("F", True, date(2030, 12, 31), False),  # overseas: F from 2031
        ("F", True, date(2031, 1, 1), True),
        ("E", True, date(2040, 1, 1), False),  # no E ban overseas in the law
    ],
)
def test_energy_letting_bans_by_date_and_calendar(energy_class: str, overseas: bool, on: date, banned: bool) -> None:
    assert (letting_ban(energy_class, overseas, on, POLICY) is not None) is banned


@pytest.mark.parametrize(
    ("energy_class", "overseas", "first_day"),
    [("G", False, date(2025, 1, 1)), ("F", False, date(2028, 1, 1)), ("E", False, date(2034, 1, 1)), ("D", False, None),
     ("G", True, date(2028, 1, 1)), ("F", True, date(2031, 1, 1)), ("E", True, None)],
)  # fmt: skip
def test_the_first_day_no_lease_may_be_signed(energy_class: str, overseas: bool, first_day: date | None) -> None:
    assert banned_from(energy_class, overseas, POLICY) == first_day


@pytest.mark.parametrize(("available_from", "banned"), [(date(2027, 12, 31), False), (date(2028, 1, 1), True)])
def test_a_ban_is_judged_on_the_letting_day_not_the_publishing_day(available_from: date, banned: bool) -> None:
    """A class F home available from 1 January 2028 cannot be let at all: it is refused today already."""
    assert ("energy_letting_ban" in failed(replace(CLASS_F, available_from=available_from))) is banned


def test_the_overseas_calendar_follows_the_commune() -> None:
    class_g = replace(GOOD, energy_class="G", primary_energy_kwh=450.0, emissions_kg=60.0, final_energy_kwh=None)
    assert "energy_letting_ban" in failed(class_g)
    assert "energy_letting_ban" not in failed(replace(class_g, insee_code="97411", overseas=True))


@pytest.mark.parametrize(
    ("primary", "emissions", "expected"),
    [
        (69, 5, "A"),
        (69.99, 5.99, "A"),  # rounded down to 69 and 5
        (70, 5, "B"),  # a class holds the values below its bound
        (69, 6, "B"),
        (109, 10, "B"),
        (110, 10, "C"),
        (179, 29, "C"),
        (249, 49, "D"),
        (250, 49, "E"),
        (329, 69, "E"),
        (330, 69, "F"),
        (419, 99, "F"),
        (420, 10, "G"),
        (100, 100, "G"),
        (60, 60, "E"),  # the worse of the two
    ],
)
def test_dpe_class_is_the_worse_of_energy_and_emissions(primary: float, emissions: float, expected: str) -> None:
    assert dpe_class(primary, emissions, 60, False, TODAY, POLICY) == expected


@pytest.mark.parametrize(
    ("area", "on", "overseas", "expected"),
    [
        (20, date(2026, 1, 1), False, "E"),  # 380 kWh, 70 kg at 20 m²: E below 385 and 74
        (20, date(2024, 6, 30), False, "F"),  # the eve of the arrêté of 25 March 2024: the usual bounds
        (20, date(2024, 7, 1), False, "E"),  # its first day
        (20, date(2026, 1, 1), True, "F"),  # mainland rules only
        (40, date(2026, 1, 1), False, "F"),  # 40 m²: the table's last row is the usual scale
        (40.5, date(2026, 1, 1), False, "F"),
        (22, date(2026, 1, 1), False, "F"),  # 380 ≥ 375 at 22 m²
    ],
)
def test_small_surfaces_have_their_own_bounds(area: float, on: date, overseas: bool, expected: str) -> None:
    assert dpe_class(380, 70, area, overseas, on, POLICY) == expected


def test_small_surface_bounds_are_interpolated_between_whole_square_metres_and_floored_at_eight() -> None:
    energy, emissions = class_limits(Decimal("20.5"), False, TODAY, POLICY)
    assert energy[4] == Decimal("382.5") and emissions[4] == Decimal(74)  # E: between 385 (20 m²) and 380 (21 m²)
    assert class_limits(Decimal(5), False, TODAY, POLICY) == class_limits(Decimal(8), False, TODAY, POLICY)
    energy_8, _ = class_limits(Decimal(8), False, TODAY, POLICY)
    assert energy_8 == tuple(Decimal(n) for n in (146, 186, 386, 505, 622, 739))


def test_a_lawful_20_m2_class_e_studio_is_published() -> None:
    studio = replace(
        GOOD, kind="studio", rooms=1, living_area_m2=20.0, energy_class="E", primary_energy_kwh=380.0, emissions_kg=70.0, rent_cents=40_000
    )
    assert failed(studio) == set()
    assert "coherent_energy_class" in failed(replace(studio, energy_class="F"))


@pytest.mark.parametrize(
    ("made_on", "valid_until"),
    [
        (date(2012, 12, 31), date(2022, 12, 30)),  # before 2013: its ten years, untouched by the decree
        (date(2013, 1, 1), date(2022, 12, 31)),
        (date(2017, 12, 31), date(2022, 12, 31)),
        (date(2018, 1, 1), date(2024, 12, 31)),
        (date(2021, 6, 30), date(2024, 12, 31)),
        (date(2021, 7, 1), date(2031, 6, 30)),
        (date(2024, 2, 29), date(2034, 2, 28)),
    ],
)
def test_dpe_validity_windows_of_decree_2020_1610(made_on: date, valid_until: date) -> None:
    assert dpe_valid_until(made_on, POLICY) == valid_until


@pytest.mark.parametrize(
    ("dpe_date", "on", "available_from", "expired"),
    [
        (date(2019, 5, 1), date(2024, 12, 31), date(2024, 12, 1), False),  # the last day of a 2018-2021 DPE
        (date(2019, 5, 1), date(2025, 1, 1), date(2024, 12, 1), True),
        (date(2019, 5, 1), date(2024, 12, 1), date(2025, 1, 1), True),  # valid today, not on the letting day
        (date(2016, 3, 1), date(2022, 12, 31), date(2022, 1, 1), False),
        (date(2016, 3, 1), date(2023, 1, 1), date(2022, 1, 1), True),  # a 2016 DPE did not last ten years
        (date(2021, 7, 1), date(2031, 6, 30), date(2030, 1, 1), False),
        (date(2021, 7, 1), date(2031, 7, 1), date(2030, 1, 1), True),
    ],
)
def test_an_expired_diagnosis_is_refused_on_the_letting_day(dpe_date: date, on: date, available_from: date, expired: bool) -> None:
    unit = replace(GOOD, dpe_date=dpe_date, available_from=available_from)
    assert ("dpe_validity" in failed(unit, on)) is expired


@pytest.mark.parametrize(
    ("final_energy", "on", "overseas", "refused"),
    [
        (449.9, date(2024, 6, 1), False, False),
        (450, date(2024, 6, 1), False, True),
        (450, date(2022, 12, 31), False, False),  # before the decree applied
        (450, date(2023, 1, 1), False, True),
        (500, date(2025, 1, 1), False, False),  # replaced by the class calendar
        (500, date(2024, 6, 1), True, False),  # mainland only
    ],
)
def test_the_final_energy_decency_threshold_in_its_years(final_energy: float, on: date, overseas: bool, refused: bool) -> None:
    unit = replace(GOOD, final_energy_kwh=final_energy, overseas=overseas, available_from=date(2020, 1, 1), dpe_date=date(2022, 1, 1))
    assert ("final_energy_decency" in failed(unit, on)) is refused


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"energy_class": "G", "primary_energy_kwh": 500.0, "emissions_kg": 120.0}, "energy_letting_ban"),
        ({"living_area_m2": 8.5, "ceiling_height_m": 2.3}, "minimum_size"),
        ({"energy_class": "B"}, "coherent_energy_class"),
        ({"rent_cents": 0}, "coherent_numbers"),
        ({"deposit_cents": 40_001}, "deposit_cap"),
        ({"dpe_date": date(2016, 1, 1)}, "dpe_validity"),
        ({"dpe_date": date(2027, 1, 1)}, "coherent_numbers"),
        ({"schemes": ("loc_avantages_2",), "rent_cents": 46_100, "deposit_cents": 0}, "loc_avantages_rent"),  # above 460.60 €
        ({"schemes": ("loc_avantages_1",), "furnished": True, "rent_cents": 40_000}, "loc_avantages_unfurnished"),
        ({"schemes": ("loc_avantages_1",), "insee_code": "99999"}, "loc_avantages_reference_rent"),
        ({"schemes": ("loc_avantages_3", "direct_lease"), "rent_cents": 20_000, "deposit_cents": 0}, "loc_avantages_intermediary"),
        ({"furnished": True}, "intermediated_letting_unfurnished"),
        ({"rooms": 6, "living_area_m2": 110.0}, "intermediated_letting_rooms"),
    ],
)
def test_each_rule_refuses_what_it_names_and_cites_its_source(changes: dict[str, object], rule: str) -> None:
    assert rule in failed(replace(GOOD, **changes))  # type: ignore[arg-type]
    if rule != "coherent_numbers":  # Abri's own check: no text to cite
        source = SOURCES[rule]
        assert source.text and source.url is not None and source.url.startswith("https://")


def test_minimum_size_accepts_the_volume_alternative() -> None:
    assert "minimum_size" not in failed(replace(GOOD, living_area_m2=8.5, ceiling_height_m=2.4))  # 20.4 m³
    assert "minimum_size" in failed(replace(GOOD, living_area_m2=8.5, ceiling_height_m=2.35))  # 19.975 m³


@pytest.mark.parametrize(("rooms", "ok"), [(1, True), (5, True), (6, False)])
def test_intermediated_letting_takes_one_to_five_rooms(rooms: int, ok: bool) -> None:
    unit = replace(GOOD, rooms=rooms, living_area_m2=20.0 * rooms, primary_energy_kwh=200.0, emissions_kg=40.0)
    assert ("intermediated_letting_rooms" not in failed(unit)) is ok


@pytest.mark.parametrize(
    ("deposit_cents", "furnished", "ok"), [(40_000, False, True), (40_001, False, False), (80_000, True, True), (80_001, True, False)]
)
def test_the_deposit_cap_in_months_of_rent(deposit_cents: int, furnished: bool, ok: bool) -> None:
    unit = replace(GOOD, deposit_cents=deposit_cents, furnished=furnished, schemes=("direct_lease",))
    assert ("deposit_cap" not in failed(unit)) is ok


@pytest.mark.parametrize(("rent_cents", "ok"), [(55_930, True), (55_931, False)])
def test_loc_avantages_rent_ceiling_at_the_edge_with_the_surface_coefficient(rent_cents: int, ok: bool) -> None:
    """40 m² at 14.00 €/m², Loc1 85 %, coefficient 0.7 + 19/40 = 1.175: 13.9825 €/m², 559.30 € a month."""
    unit = replace(GOOD, schemes=("loc_avantages_1",), rent_cents=rent_cents, deposit_cents=rent_cents)
    assert ("loc_avantages_rent" not in failed(unit)) is ok


@pytest.mark.parametrize(("rent_cents", "ok"), [(49_000, True), (49_001, False)])
def test_a_rent_at_exactly_its_ceiling_is_at_it_not_above(rent_cents: int, ok: bool) -> None:
    """14.00 €/m² × 70 % is exactly 9.80 €/m² (in floating point, 9.799999…: the rent at 9.80 was refused)."""
    flat = load_policy_overrides(loc_avantages_surface_base="1", loc_avantages_surface_numerator_m2="0")
    unit = replace(GOOD, schemes=("loc_avantages_2", "intermediated_letting"), living_area_m2=50.0, rent_cents=rent_cents, deposit_cents=0)
    assert ("loc_avantages_rent" not in failed(unit, policy=flat)) is ok


@pytest.mark.parametrize("area_tenths", [380, 399, 400, 423, 450, 464, 555, 701, 999, 1000])
@pytest.mark.parametrize("scheme", ["loc_avantages_1", "loc_avantages_2"])
def test_the_exact_maximum_rent_passes_and_one_cent_more_fails(area_tenths: int, scheme: str) -> None:
    """Whatever the area (19 / S rarely terminates), the highest lawful rent is lawful: computed apart with fractions."""
    area = Fraction(area_tenths, 10)
    reference, ratio = Fraction(98, 10), {"loc_avantages_1": Fraction(85, 100), "loc_avantages_2": Fraction(70, 100)}[scheme]
    surface = min(Fraction(12, 10) * area, Fraction(7, 10) * area + 19)
    highest = math.floor(reference * ratio * surface * 100)
    rents = ReferenceRents.of({"34172": "9.80"})
    unit = replace(GOOD, schemes=(scheme, "intermediated_letting"), living_area_m2=float(area), deposit_cents=0)
    at_most = publishing_failures(replace(unit, rent_cents=highest), TODAY, POLICY, rents)
    assert "loc_avantages_rent" not in {f.rule for f in at_most}
    [above] = [
        f for f in publishing_failures(replace(unit, rent_cents=highest + 1), TODAY, POLICY, rents) if f.rule == "loc_avantages_rent"
    ]
    assert above.params["max_rent_cents"] == highest


def test_loc_avantages_excludes_f_and_g_then_e_from_2028() -> None:
    class_e = replace(GOOD, schemes=("loc_avantages_1",), energy_class="E", primary_energy_kwh=300.0, emissions_kg=60.0, rent_cents=30_000)
    assert "loc_avantages_energy" not in failed(class_e, date(2027, 12, 31))
    assert "loc_avantages_energy" in failed(class_e, date(2028, 1, 1))
    assert "loc_avantages_energy" in failed(replace(CLASS_F, schemes=("loc_avantages_1",), rent_cents=30_000, deposit_cents=0))
    unchanged = load_policy_overrides(loc_avantages_stricter_since=None)
    assert "loc_avantages_energy" not in failed(class_e, date(2028, 1, 1), unchanged)


def test_loc_avantages_3_needs_an_intermediary_scheme() -> None:
    loc3 = replace(GOOD, schemes=("loc_avantages_3",), rent_cents=20_000, deposit_cents=0)
    assert "loc_avantages_intermediary" in failed(loc3)
    assert "loc_avantages_intermediary" not in failed(replace(loc3, schemes=("loc_avantages_3", "management_mandate")))


def test_a_refusal_names_every_failed_rule() -> None:
    unit = replace(GOOD, living_area_m2=5.0, ceiling_height_m=2.0, deposit_cents=90_000, dpe_date=date(2016, 1, 1))
    assert {"minimum_size", "dpe_validity", "deposit_cap"} <= failed(unit)


def load_policy_overrides(**overrides: object) -> ListingsPolicy:
    from abri_kit.policies import with_overrides

    return with_overrides(ListingsPolicy, overrides)


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
        (UnitStatus.PUBLISHED, Transition.RETURN_TO_DRAFT, UnitStatus.DRAFT),  # the daily sweep: a ban began
        (UnitStatus.LET, Transition.LEASE_ENDED, UnitStatus.DRAFT),  # its owner checks it and publishes it again
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
        (UnitStatus.WITHDRAWN, Transition.RETURN_TO_DRAFT),
        (UnitStatus.LET, Transition.RESERVE),
        (UnitStatus.LET, Transition.PUBLISH),  # a home whose lease ended is not offered again unchecked
        (UnitStatus.DRAFT, Transition.LEASE_ENDED),
        (UnitStatus.PUBLISHED, Transition.LEASE_ENDED),
        (UnitStatus.RESERVED, Transition.LEASE_ENDED),  # no lease was signed: the placement falls through instead
        (UnitStatus.WITHDRAWN, Transition.LEASE_ENDED),
    ],
)
def test_other_transitions_are_refused(status: UnitStatus, transition: Transition) -> None:
    with pytest.raises(InvalidTransition):
        next_status(status, transition)


def test_a_policy_file_overrides_the_sourced_defaults_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    overrides = {"min_living_area_m2": 12, "min_volume_m3": 30, "letting_bans": [{"energy_class": "D", "since": "2026-01-01"}]}
    path.write_text(json.dumps(overrides))
    stricter = load_policy(path)
    assert stricter.min_living_area_m2 == 12 and stricter.letting_bans == (LettingBan("D", date(2026, 1, 1)),)
    assert stricter.max_final_energy_kwh == POLICY.max_final_energy_kwh  # what the file does not name keeps its default
    small = replace(GOOD, living_area_m2=10.0, kind="studio", rooms=1, primary_energy_kwh=200.0)
    assert failed(small) == set()
    assert {f.rule for f in publishing_failures(small, TODAY, stricter, REFERENCE_RENTS)} == {"minimum_size", "energy_letting_ban"}
    for bad in (
        '{"min_living_area_m2": "large"}',
        "not json",
        '{"letting_bans": [{"energy_class": "D"}]}',
        '{"letting_bans": [{"energy_class": "Z", "since": "2030-01-01"}]}',  # no such class
        '{"dpe_primary_energy_limits": [70, 110, 180]}',  # three bounds for six
        '{"small_surfaces": {"since": "2024-07-01", "at_most_m2": 40, "rows": [[8, [1,2,3,4,5,6], [1,2,3,4,5,6]]]}}',  # a gap
        '{"loc_avantages_rent_ratio": {"loc_avantages_1": "1.5"}}',
    ):
        path.write_text(bad)
        with pytest.raises(PolicyFileError, match="not a listings policy"):
            load_policy(path)


def test_an_arrondissement_takes_its_communes_reference_rent() -> None:
    paris_11 = replace(GOOD, insee_code="75111", rent_commune="75056", schemes=("loc_avantages_1",), rent_cents=50_000, deposit_cents=0)
    assert "loc_avantages_reference_rent" not in failed(paris_11)
    assert "loc_avantages_reference_rent" in failed(replace(paris_11, rent_commune=None))
