"""The reference-rent table: its format, its year and source checked, the sample refused where it is not
allowed, a newer file taken without a restart, a broken one refused while the last good one stays."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from abri_listings.reference_rents import (
    ReferenceRentsConfig,
    ReferenceRentsError,
    ReferenceRentsFile,
    check_usable,
    load_reference_rents,
)

pytestmark = pytest.mark.unit
HEADER = "insee_code,commune,category,reference_rent_eur_m2,year,source\n"
TODAY = date(2026, 12, 5)


def test_the_shipped_table_is_a_sample_refused_unless_allowed() -> None:
    sample = load_reference_rents()
    assert sample.sample and sample.year == 2026
    reference = sample.reference_for("75056", "apartment", 2)
    assert reference is not None and reference.rent_eur_m2 == Decimal("30.50")
    with pytest.raises(ReferenceRentsError, match="sample"):
        check_usable(sample, ReferenceRentsConfig(), TODAY)
    check_usable(sample, ReferenceRentsConfig(allow_sample=True), TODAY)


def test_a_table_split_by_housing_category_gives_each_home_its_row(tmp_path: Path) -> None:
    path = tmp_path / "rents.csv"
    path.write_text(
        HEADER
        + "34172,Montpellier,apartment_1_2,16.10,2026,Anah 2026\n"
        + "34172,Montpellier,apartment_3_plus,12.40,2026,Anah 2026\n"
        + "34172,Montpellier,house,11.00,2026,Anah 2026\n"
        + "30189,Nîmes,all,10.80,2026,Anah 2026\n"
    )
    table = load_reference_rents(path)
    assert not table.sample and table.source == "Anah 2026"

    def rent(code: str, kind: str, rooms: int) -> Decimal | None:
        found = table.reference_for(code, kind, rooms)
        return found.rent_eur_m2 if found else None

    assert rent("34172", "studio", 1) == Decimal("16.10")
    assert rent("34172", "apartment", 2) == Decimal("16.10")
    assert rent("34172", "apartment", 3) == Decimal("12.40")
    assert rent("34172", "house", 4) == Decimal("11.00")
    assert rent("30189", "house", 4) == Decimal("10.80")
    assert rent("75056", "apartment", 2) is None


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("34172,Montpellier,all,lots,2026,Anah\n", "not a number"),
        ("34172,Montpellier,all,0,2026,Anah\n", "positive rent"),
        ("34172,Montpellier,castle,12,2026,Anah\n", "category"),
        ("34172,Montpellier,all,12,2026,\n", "source"),
        ("34172,Montpellier,all,12,2026,Anah\n34172,Montpellier,all,13,2026,Anah\n", "two all rows"),
        ("34172,Montpellier,all,12,2026,Anah\n30189,Nîmes,all,10,2025,Anah\n", "several years"),
    ],
)
def test_a_malformed_table_is_refused(tmp_path: Path, rows: str, message: str) -> None:
    path = tmp_path / "rents.csv"
    path.write_text(HEADER + rows)
    with pytest.raises(ReferenceRentsError, match=message):
        load_reference_rents(path)


def test_a_table_too_old_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rents.csv"
    path.write_text(HEADER + "34172,Montpellier,all,12,2024,Anah 2024\n")
    with pytest.raises(ReferenceRentsError, match="of 2024"):
        ReferenceRentsFile(ReferenceRentsConfig(path=path)).load(TODAY)
    ReferenceRentsFile(ReferenceRentsConfig(path=path, max_age_years=2)).load(TODAY)


def test_a_newer_table_is_taken_without_a_restart_and_a_broken_one_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "rents.csv"
    path.write_text(HEADER + "34172,Montpellier,all,12.00,2026,Anah 2026\n")
    rents = ReferenceRentsFile(ReferenceRentsConfig(path=path))
    assert rents.load(TODAY).reference_for("34172", "apartment", 2).rent_eur_m2 == Decimal("12.00")  # type: ignore[union-attr]

    path.write_text(HEADER + "34172,Montpellier,all,12.75,2027,Anah 2027\n")
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a new modification time, whatever the file system's resolution
    new_year = date(2027, 1, 2)
    newer = rents.current(new_year)
    assert newer.year == 2027 and newer.reference_for("34172", "apartment", 2).rent_eur_m2 == Decimal("12.75")  # type: ignore[union-attr]

    path.write_text("not,a,table\n")
    os.utime(path, ns=(1, 3_000_000_000_000_000_000))
    assert rents.current(new_year).year == 2027  # the last good table stays in force


def test_a_gzipped_table_loads_and_a_new_year_checks_the_table_again(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "rents.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "34172,Montpellier,all,12.00,2026,Anah 2026\n").encode()))
    rents = ReferenceRentsFile(ReferenceRentsConfig(path=path))
    assert rents.load(TODAY).year == 2026
    assert rents.current(date(2027, 12, 31)).year == 2026  # one year back is allowed
    assert rents.current(date(2028, 1, 1)).year == 2026  # too old now: refused and logged, the last good table stays
    with pytest.raises(ReferenceRentsError, match="of 2026"):
        ReferenceRentsFile(ReferenceRentsConfig(path=path)).load(date(2028, 1, 1))
    future = tmp_path / "future.csv"
    future.write_text(HEADER + "34172,Montpellier,all,12.00,2027,Anah 2027\n")
    with pytest.raises(ReferenceRentsError, match="not begun"):
        ReferenceRentsFile(ReferenceRentsConfig(path=future)).load(TODAY)
