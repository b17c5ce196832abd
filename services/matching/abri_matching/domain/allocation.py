"""Batch allocation: for the searching households and open units of an area, the assignment that
maximises the total score under the hard rules. Pure.

The score matrix is rectangular (households × units); a pair that fails a hard rule is excluded
(``-inf``: never assigned). ``scipy.optimize.linear_sum_assignment`` solves the maximum-weight matching
on it, with one "no unit" column per household (weight 0), so that leaving a household without a unit
is always possible: without them the solver would have to fill every row and could trade a better
total for fewer excluded cells. A household may get no unit, and a unit no household.
The result is a set of suggestions that each association reviews for its own households: declining
one carries no penalty (nothing here remembers it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class Assignment:
    """Household row ``household`` gets unit column ``unit`` with ``score``."""

    household: int
    unit: int
    score: float


@dataclass(frozen=True)
class SolverInput:
    """What the solver maximises, and how its rows and columns map back to households and units.

    Households and units with no eligible pair are left out (they cannot be assigned); the matrix is
    oriented with the smaller side as rows (``transposed`` when those are the units); each row gets a
    "no match" column of weight 0, so that leaving it unmatched is always possible; a pair that fails a
    hard rule weighs ``-inf``."""

    weights: Any
    households: Any  # row or column index → household index
    units: Any
    transposed: bool


def solver_input(scores: Any, eligible: Any) -> SolverInput:
    households = np.flatnonzero(eligible.any(axis=1))
    units = np.flatnonzero(eligible.any(axis=0))
    kept_scores, kept_eligible = scores[np.ix_(households, units)], eligible[np.ix_(households, units)]
    transposed = len(households) > len(units)
    if transposed:
        kept_scores, kept_eligible = kept_scores.T, kept_eligible.T
    rows, columns = kept_scores.shape
    weights = np.zeros((rows, columns + rows))
    weights[:, :columns] = np.where(kept_eligible, kept_scores, -np.inf)
    return SolverInput(weights, households, units, transposed)


def allocate(scores: Any, eligible: Any) -> list[Assignment]:
    """The maximum-total-score assignment of households (rows) to units (columns) among eligible pairs."""
    scores, eligible = np.asarray(scores, dtype=float), np.asarray(eligible, dtype=bool)
    if scores.shape != eligible.shape:
        raise ValueError(f"scores {scores.shape} and eligibility {eligible.shape} differ")
    if scores.size == 0 or not eligible.any():
        return []
    problem = solver_input(scores, eligible)
    matched = problem.weights.shape[1] - problem.weights.shape[0]
    rows, columns = linear_sum_assignment(problem.weights, maximize=True)
    assignments = []
    for row, column in zip(rows, columns, strict=True):
        if column >= matched:
            continue  # the "no match" column
        household, unit = (column, row) if problem.transposed else (row, column)
        h, u = int(problem.households[household]), int(problem.units[unit])
        assignments.append(Assignment(h, u, float(scores[h, u])))
    return sorted(assignments, key=lambda a: (a.household, a.unit))
