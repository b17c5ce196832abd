"""Small counts are not shown: a cell under the threshold (11 by default) reads "< 11", and where a table shows
its total, one more cell is hidden whenever a single one was, so that no hidden count can be found again by
subtraction (secondary suppression). Rates whose population is under the threshold are not shown either. Pure.

The rule is the one statistical offices apply to tables about people: a count this small can point at a
household (docs/domain-rules.md, "Insights: small counts").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")

THRESHOLD = 11


@dataclass(frozen=True)
class Cell:
    """A count as shown: its value, or hidden (``value`` None, read "< threshold")."""

    value: int | None
    threshold: int = THRESHOLD

    @property
    def shown(self) -> str:
        return str(self.value) if self.value is not None else f"< {self.threshold}"


def suppress_row(counts: Mapping[K, int], threshold: int = THRESHOLD, *, with_total: bool = True) -> dict[K, Cell]:
    """The cells of one breakdown (the units let by energy class, the proposals declined by reason...): each
    count under ``threshold`` hidden (zero included: "none" would tell as much as a one); when the total is
    shown and exactly one cell is hidden, the smallest other cell is hidden too (ties broken by the order of
    ``counts``), or its value would be the total minus the rest."""
    hidden = {key for key, count in counts.items() if count < threshold}
    if with_total and len(hidden) == 1 and len(counts) > 1:
        others = [key for key in counts if key not in hidden]
        hidden.add(min(others, key=lambda key: counts[key]))
    return {key: Cell(None if key in hidden else count, threshold) for key, count in counts.items()}


def suppress_total(total: int, threshold: int = THRESHOLD) -> Cell:
    """A population's size as shown."""
    return Cell(total if total >= threshold else None, threshold)


def rate(part: int, whole: int, threshold: int = THRESHOLD) -> float | None:
    """``part`` out of ``whole`` (the leases still running at 12 months out of those signed a year ago), shown
    only when the part and the rest both reach ``threshold``: a rate is the two-cell table part / rest with its
    total, and either cell small would single people out (95 % of 40 says that 2 left)."""
    if part < threshold or whole - part < threshold:
        return None
    return part / whole
