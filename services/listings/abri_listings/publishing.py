"""The publishing rules applied to a stored unit: its facts, today's date, the policy and the
reference-rent table (read once)."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from abri_listings.db.models import Unit
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.rules import RuleFailure, UnitFacts, publishing_failures
from abri_listings.reference_rents import SAMPLE, load_reference_rents


@lru_cache(maxsize=1)
def reference_rents() -> dict[str, float]:
    """The reference-rent table, read once: ``ABRI_LISTINGS_REFERENCE_RENTS_PATH`` (the Anah table of the
    year, in the format ``reference_rents.py`` documents), or the shipped sample."""
    configured = os.environ.get("ABRI_LISTINGS_REFERENCE_RENTS_PATH")
    return load_reference_rents(Path(configured) if configured else SAMPLE)


def facts_of(unit: Unit) -> UnitFacts:
    """What the rules look at, from the unit's columns."""
    columns = {name: getattr(unit, name) for name in UnitFacts.__dataclass_fields__ if name != "schemes"}
    return UnitFacts(**columns, schemes=tuple(unit.schemes))


def failed_rules(unit: Unit, on: date | None = None) -> list[RuleFailure]:
    """Every publishing rule the unit fails today (or ``on``)."""
    return publishing_failures(facts_of(unit), on or date.today(), ListingsPolicy(), reference_rents())
