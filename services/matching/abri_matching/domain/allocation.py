"""Batch allocation: for the searching households and open units of an area, the assignment that
maximises the total score under the hard rules. Pure.

The score matrix is rectangular (households × units); a pair that fails a hard rule is excluded
(``-inf``: never assigned). ``scipy.optimize.linear_sum_assignment`` solves the maximum-weight matching
on it, with one "no unit" column per household (weight 0), so that leaving a household without a unit
is always possible: without them the solver would have to fill every row and could trade a better
total for fewer excluded cells. Where few pairs are eligible, the same matching is solved on the edges
alone (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``), with the same optimum.
A household may get no unit, and a unit no household.
The result is a set of suggestions that each association reviews for its own households: declining
one carries no penalty (nothing here remembers it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


@dataclass(frozen=True)
class Assignment:
    """Household row ``household`` gets unit column ``unit`` with ``score``."""

    household: int
    unit: int
    score: float


@dataclass(frozen=True)
class SolverInput:
    """What the solver maximises, and how its rows and columns map back to households and units.

    Households and units with no eligible pair are left out (they cannot be assigned); the pairs are
    oriented with the smaller side as rows (``transposed`` when those are the units); each row gets a
    "no match" column of weight 0, so that leaving it unmatched is always possible; a pair that fails a
    hard rule is no edge (``-inf`` in the dense matrix)."""

    scores: Any
    eligible: Any
    households: Any  # row or column index → household index
    units: Any
    transposed: bool

    @property
    def density(self) -> float:
        """The share of the pairs that are eligible (edges)."""
        return float(self.eligible.mean()) if self.eligible.size else 0.0

    def dense_weights(self) -> Any:
        """rows × (columns + rows): the scores where eligible, ``-inf`` elsewhere, then the "no match" zeros."""
        rows, columns = self.scores.shape
        weights = np.zeros((rows, columns + rows))
        weights[:, :columns] = np.where(self.eligible, self.scores, -np.inf)
        return weights

    def sparse_costs(self) -> Any:
        """The same graph with only its edges, as costs to minimise: ``ceiling - score`` for an eligible pair
        and ``ceiling`` for each row's "no match" column, all positive (the sparse solver takes a zero for
        no edge). Every row is matched once, so the least total cost is the greatest total score."""
        rows, columns = self.scores.shape
        ceiling = float(self.scores[self.eligible].max(initial=0.0)) + 1.0
        pair_rows, pair_columns = np.nonzero(self.eligible)
        own = np.arange(rows)
        return sparse.csr_array(
            (
                np.concatenate([ceiling - self.scores[pair_rows, pair_columns], np.full(rows, ceiling)]),
                (np.concatenate([pair_rows, own]), np.concatenate([pair_columns, columns + own])),
            ),
            shape=(rows, columns + rows),
        )


SPARSE_BELOW = 0.5
"""Eligible share under which the sparse solver (LAPJVsp) is used rather than the dense one (LAPJV): on
the allocation bench (18 % eligible), the sparse one is several times faster for the same optimum."""


def solver_input(scores: Any, eligible: Any) -> SolverInput:
    households = np.flatnonzero(eligible.any(axis=1))
    units = np.flatnonzero(eligible.any(axis=0))
    kept_scores, kept_eligible = scores[np.ix_(households, units)], eligible[np.ix_(households, units)]
    transposed = len(households) > len(units)
    if transposed:
        kept_scores, kept_eligible = kept_scores.T, kept_eligible.T
    return SolverInput(kept_scores, kept_eligible, households, units, transposed)


def solve(problem: SolverInput, *, sparse_below: float = SPARSE_BELOW) -> tuple[Any, Any]:
    """Rows and their columns in the best matching (a column past the pairs' is a row's "no match")."""
    if problem.density < sparse_below:
        return min_weight_full_bipartite_matching(problem.sparse_costs())
    return linear_sum_assignment(problem.dense_weights(), maximize=True)


def allocate(scores: Any, eligible: Any, *, sparse_below: float = SPARSE_BELOW) -> list[Assignment]:
    """The maximum-total-score assignment of households (rows) to units (columns) among eligible pairs."""
    scores, eligible = np.asarray(scores, dtype=float), np.asarray(eligible, dtype=bool)
    if scores.shape != eligible.shape:
        raise ValueError(f"scores {scores.shape} and eligibility {eligible.shape} differ")
    if scores.size == 0 or not eligible.any():
        return []
    problem = solver_input(scores, eligible)
    matched = problem.scores.shape[1]
    rows, columns = solve(problem, sparse_below=sparse_below)
    assignments = []
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        if column >= matched:
            continue  # the "no match" column
        household, unit = (column, row) if problem.transposed else (row, column)
        h, u = int(problem.households[household]), int(problem.units[unit])
        assignments.append(Assignment(h, u, float(scores[h, u])))
    return sorted(assignments, key=lambda a: (a.household, a.unit))
