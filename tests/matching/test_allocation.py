"""Batch allocation (pure): the best total under the hard rules, checked against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abri_matching.domain.allocation import allocate

pytestmark = pytest.mark.unit


def brute_force_best(scores: np.ndarray, eligible: np.ndarray) -> float:
    """The best total over every way of giving each household at most one unit (small sizes only)."""
    households, units = scores.shape
    best = 0.0
    for choice in itertools.product([None, *range(units)], repeat=households):
        taken = [u for u in choice if u is not None]
        if len(taken) != len(set(taken)) or any(u is not None and not eligible[h, u] for h, u in enumerate(choice)):
            continue
        best = max(best, sum(scores[h, u] for h, u in enumerate(choice) if u is not None))
    return best


@settings(max_examples=150, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    seed=st.integers(0, 10_000),
    density=st.floats(0.0, 1.0),
)
def test_the_assignment_is_optimal_and_uses_only_eligible_pairs(shape: tuple[int, int], seed: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.random(shape)
    eligible = rng.random(shape) < density
    best = brute_force_best(scores, eligible)
    for sparse_below in (0.0, 1.01):  # the dense solver, then the sparse one
        result = allocate(scores, eligible, sparse_below=sparse_below)
        assert all(eligible[a.household, a.unit] for a in result)
        assert len({a.household for a in result}) == len(result) == len({a.unit for a in result})
        assert sum(a.score for a in result) == pytest.approx(best, abs=1e-9)


def test_a_greedy_choice_is_not_what_it_does() -> None:
    scores = np.array([[0.9, 0.8], [0.85, 0.1]])  # greedy gives 0.9 + 0.1; the optimum is 0.8 + 0.85
    result = allocate(scores, np.ones((2, 2), dtype=bool))
    assert {(a.household, a.unit) for a in result} == {(0, 1), (1, 0)}


def test_nothing_eligible_or_mismatched_shapes() -> None:
    assert allocate(np.zeros((2, 3)), np.zeros((2, 3), dtype=bool)) == []
    with pytest.raises(ValueError, match="differ"):
        allocate(np.zeros((2, 3)), np.zeros((3, 2), dtype=bool))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), density=st.floats(0.01, 0.6), tall=st.booleans())
def test_the_sparse_and_the_dense_solver_reach_the_same_optimum_on_larger_pools(seed: int, density: float, tall: bool) -> None:
    rng = np.random.default_rng(seed)
    shape = (60, 25) if tall else (25, 60)
    scores = rng.random(shape).round(3)  # ties too
    eligible = rng.random(shape) < density
    totals = [sum(a.score for a in allocate(scores, eligible, sparse_below=limit)) for limit in (0.0, 1.01)]
    assert totals[0] == pytest.approx(totals[1], abs=1e-9)
