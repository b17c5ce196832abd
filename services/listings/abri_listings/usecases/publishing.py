"""The publishing rules applied to a stored unit: its facts, today's date, the policy and the
reference-rent table (read once)."""

from __future__ import annotations

import json
import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from abri_kit.policies import with_overrides
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


class PolicyFileError(ValueError):
    """The policy file named by ``ABRI_LISTINGS_POLICY_PATH`` cannot be read."""


def load_policy(path: Path) -> ListingsPolicy:
    """A :class:`ListingsPolicy` from a JSON file of overrides (any field; dates as ``YYYY-MM-DD``), e.g.
    ``{"letting_bans": [{"energy_class": "G", "since": "2025-01-01"}], "min_living_area_m2": 9}``."""
    try:
        overrides = json.loads(path.read_text(encoding="utf-8"))
        return with_overrides(ListingsPolicy, overrides)
    except (OSError, json.JSONDecodeError, TypeError, ValidationError) as exc:
        raise PolicyFileError(f"{path}: not a listings policy: {exc}") from exc


@lru_cache(maxsize=1)
def policy() -> ListingsPolicy:
    """The rules' numbers: the sourced defaults of :class:`ListingsPolicy`, with the overrides of the JSON
    file ``ABRI_LISTINGS_POLICY_PATH`` names (a new decree, a year's ceilings) when set. Read once."""
    configured = os.environ.get("ABRI_LISTINGS_POLICY_PATH")
    return load_policy(Path(configured)) if configured else ListingsPolicy()


def failed_rules(unit: Unit, on: date) -> list[RuleFailure]:
    """Every publishing rule the unit fails on day ``on`` (a day in France: ``abri_kit.clock``)."""
    return publishing_failures(facts_of(unit), on, policy(), reference_rents())
