"""The official commune table: loaded from the shipped build, searched by name or code, and the place
checks every service uses (a code, a postal code, a merged commune)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from abri_kit.calendar import OVERSEAS_ZONES
from abri_kit.communes import CommuneTableError, communes, fold, load_communes, place_problems

pytestmark = pytest.mark.unit


def test_the_shipped_table_is_the_official_list_of_its_year() -> None:
    table = communes()
    assert table.year == 2026 and "Code officiel géographique" in table.source
    assert 34_800 < len(table) < 35_100  # 34,875 communes, the 45 arrondissements of Paris, Lyon and Marseille
    paris, saint_denis_reunion = table.get("75056"), table.get("97411")
    assert paris is not None and paris.departement == "75" and not paris.overseas and "75015" in paris.postal_codes
    assert saint_denis_reunion is not None and saint_denis_reunion.departement == "974" and saint_denis_reunion.overseas
    assert {c.departement for c in table if c.overseas} == {"971", "972", "973", "974", "976"}
    assert table.get("97501") is None  # Saint-Pierre-et-Miquelon: a collectivity with its own housing law
    assert all(-90 <= c.latitude <= 90 and -180 <= c.longitude <= 180 for c in table)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Paris", "75056"),
        ("saint etienne", "42218"),
        ("St-Étienne", "42218"),
        ("chateauroux", "36044"),
        ("34000", "34172"),
        ("2A004", "2A004"),
    ],
)
def test_search_by_name_or_code(query: str, first: str) -> None:
    assert communes().search(query)[0].insee_code == first


def test_search_folds_accents_and_case_and_finds_nothing_for_nothing() -> None:
    assert fold("  Saint-Étienne-du-Rouvray ") == "saint etienne du rouvray"
    assert communes().search("") == [] and communes().search("zzzz-no-such-place") == []
    assert len(communes().search("saint", limit=3)) == 3


def test_place_problems_name_what_does_not_fit() -> None:
    table = communes()
    assert place_problems(table, "34172", "34000") == []
    [mismatch] = place_problems(table, "69123", "34000")  # Lyon's code with Montpellier's postal code
    assert mismatch.field == "postal_code" and mismatch.code == "postal_code_mismatch" and "69001" in mismatch.params["expected"]
    [unknown] = place_problems(table, "99999", "34000")
    assert unknown.code == "commune_unknown"
    [merged] = place_problems(table, "01340", "01300")  # merged into Arboys en Bugey
    assert merged.code == "commune_merged" and merged.params["successor_code"] == "01015"


def test_a_malformed_table_is_refused(tmp_path: Path) -> None:
    header = "insee_code,name,departement,overseas,postal_codes,latitude,longitude,parent,former_codes,population\n"
    path = tmp_path / "communes.csv.gz"
    for body, message in [
        (header + "34172,Montpellier,34,0,34000,43.6,3.87,,,1\n", "year"),
        ("# year=2027\ncode,name\n", "columns"),
        ("# year=2027\n" + header + "3417,Montpellier,34,0,34000,43.6,3.87,,,1\n", "INSEE code"),
        ("# year=2027\n" + header + "34172,Montpellier,34,0,34000,north,3.87,,,1\n", "row 2"),
    ]:
        path.write_bytes(gzip.compress(body.encode()))
        with pytest.raises(CommuneTableError, match=message):
            load_communes(path)
    path.write_bytes(gzip.compress(("# year=2027\n" + header + "34172,Montpellier,34,0,34000,43.6,3.87,,34999,1\n").encode()))
    newer = load_communes(path)
    assert newer.year == 2027 and newer.successor("34999") == newer.get("34172")


def test_every_overseas_departement_of_the_table_has_its_time_zone() -> None:
    assert communes().overseas_departements == frozenset(OVERSEAS_ZONES)
