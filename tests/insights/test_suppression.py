"""Small counts hidden (pure): a cell under 11 reads "< 11", zero included; with a total shown, a single hidden
cell takes the smallest other with it, so no count comes back by subtraction; a rate over a small part or rest
is hidden too. Tried on small populations, at the threshold's edge."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abri_insights.domain.suppression import rate, suppress_row, suppress_total

pytestmark = pytest.mark.unit


def test_a_cell_under_11_reads_less_than_11_at_the_edge() -> None:
    shown = {k: c.shown for k, c in suppress_row({"A": 10, "B": 11, "C": 0, "D": 40}).items()}
    assert shown == {"A": "< 11", "B": "11", "C": "< 11", "D": "40"}
    assert suppress_total(10).shown == "< 11" and suppress_total(11).shown == "11"


def test_a_single_hidden_cell_takes_the_smallest_other_with_it_when_the_total_is_shown() -> None:
    row = suppress_row({"declined": 3, "expired": 25, "withdrawn": 14})
    assert {k: c.value for k, c in row.items()} == {"declined": None, "expired": 25, "withdrawn": None}
    alone = suppress_row({"declined": 3, "expired": 25, "withdrawn": 14}, with_total=False)
    assert alone["withdrawn"].value == 14  # no total shown: nothing to subtract from
    assert suppress_row({"only": 5})["only"].value is None


@given(st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(0, 60), min_size=2))
def test_no_hidden_count_comes_back_from_the_total(counts: dict[str, int]) -> None:
    row = suppress_row(counts)
    hidden = [k for k, c in row.items() if c.value is None]
    assert all(c.value is None or c.value >= 11 for c in row.values())
    assert len(hidden) != 1  # one hidden cell alone would be the total minus the others
    assert all(counts[k] >= 11 for k, c in row.items() if c.value is not None)  # every count shown is 11 or more


def test_a_rate_needs_both_its_part_and_its_rest_to_reach_11() -> None:
    assert rate(30, 40) is None  # 10 left: small
    assert rate(29, 40) == pytest.approx(29 / 40)
    assert rate(10, 100) is None and rate(11, 22) == 0.5
