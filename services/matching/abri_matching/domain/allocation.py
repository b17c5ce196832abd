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


def allocate(scores: Any, eligible: Any) -> list[Assignment]:
    """The maximum-total-score assignment of households (rows) to units (columns) among eligible pairs."""
    scores, eligible = np.asarray(scores, dtype=float), np.asarray(eligible, dtype=bool)
    if scores.shape != eligible.shape:
        raise ValueError(f"scores {scores.shape} and eligibility {eligible.shape} differ")
    if scores.size == 0 or not eligible.any():
        return []
    units = scores.shape[1]
    rows, columns = linear_sum_assignment(weights_matrix(scores, eligible), maximize=True)
    return [Assignment(int(r), int(c), float(scores[r, c])) for r, c in zip(rows, columns, strict=True) if c < units]


def weights_matrix(scores: Any, eligible: Any) -> Any:
    """What the solver maximises: the scores (``-inf`` where a hard rule fails), then one "no unit" column per household."""
    households, units = scores.shape
    weights = np.zeros((households, units + households))
    weights[:, :units] = np.where(eligible, scores, -np.inf)
    return weights
