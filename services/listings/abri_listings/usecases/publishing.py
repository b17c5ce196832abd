"""The publishing rules applied to a stored unit: its facts and commune, the day where it stands, the policy
and the reference-rent table (read again when its file changes).

Every rule about a unit is judged on the calendar day of the place where the home stands
(:func:`local_today`): a home in La Réunion enters 1 January three hours before Paris, one in Martinique
five hours after, and a ban or a diagnosis's end that starts on a day starts there at local midnight.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from abri_kit.calendar import day_in_france, local_day
from abri_kit.communes import communes
from abri_kit.policies import with_overrides
from abri_listings.db.models import Unit
from abri_listings.domain.cohabitation import is_cohabitation
from abri_listings.domain.energy import banned_from, dpe_valid_until
from abri_listings.domain.energy_cost import estimate
from abri_listings.domain.facts import HomeFacts, HostFacts, RuleFailure, UnitFacts
from abri_listings.domain.policy import ListingsPolicy, exact
from abri_listings.domain.rules import publishing_failures
from abri_listings.domain.shared_homes import OFFERED
from abri_listings.reference_rents import ReferenceRentsConfig, ReferenceRentsFile
from abri_listings.usecases.place import place_failures


@lru_cache(maxsize=1)
def reference_rents_file() -> ReferenceRentsFile:
    """The reference-rent table's file (``reference_rents.py``): ``ABRI_LISTINGS_REFERENCE_RENTS_PATH`` or the
    shipped sample (allowed only with ``ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS=true``), no older than
    ``ABRI_LISTINGS_REFERENCE_RENTS_MAX_AGE_YEARS`` (default 1) years before the current one."""
    configured = os.environ.get("ABRI_LISTINGS_REFERENCE_RENTS_PATH")
    return ReferenceRentsFile(
        ReferenceRentsConfig(
            path=Path(configured) if configured else None,
            allow_sample=os.environ.get("ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS", "").lower() in ("1", "true", "yes"),
            max_age_years=int(os.environ.get("ABRI_LISTINGS_REFERENCE_RENTS_MAX_AGE_YEARS", "1")),
        )
    )


def overseas(insee_code: str, departement: str) -> bool:
    """Whether the commune is in an overseas département, from the commune table (a code no longer in force:
    its successor's; unknown to the table, as stored before the table was checked: by its département)."""
    table = communes()
    commune = table.get(insee_code) or table.successor(insee_code)
    return commune.overseas if commune is not None else departement in table.overseas_departements


def facts_of(unit: Unit) -> UnitFacts:
    """What the rules look at, from the unit's columns and its commune (a municipal arrondissement of Paris,
    Lyon or Marseille is judged as its commune where a table names only the commune: ``rent_commune``), and for
    a room of a shared home, its home and the home's other rooms."""
    derived = ("schemes", "overseas", "rent_commune", "home", "host")
    columns = {name: getattr(unit, name) for name in UnitFacts.__dataclass_fields__ if name not in derived}
    commune = communes().get(unit.insee_code)
    parent = commune.parent if commune is not None else None
    return UnitFacts(
        **columns,
        overseas=overseas(unit.insee_code, unit.departement),
        schemes=tuple(unit.schemes),
        rent_commune=parent,
        home=home_facts(unit),
        host=host_facts(unit.host),
    )


def host_facts(declared: dict[str, Any] | None) -> HostFacts | None:
    """The host's declaration as the rules read it (None: none given)."""
    if declared is None:
        return None
    informed = declared.get("landlord_informed_on")
    return HostFacts(
        aged_60_or_over=bool(declared.get("aged_60_or_over")),
        occupancy=str(declared.get("occupancy")),
        landlord_informed_on=date.fromisoformat(informed) if isinstance(informed, str) else informed,
    )


def home_facts(unit: Unit) -> HomeFacts | None:
    """The shared home of a room, with its other rooms (``domain/shared_homes.py``: the rooms offered count, with
    the room judged, for its occupants, rents, areas and number of rooms), or None for a unit without a home. A
    draft or withdrawn sibling counts for nothing: it can make no offered room fail."""
    home = unit.home
    if home is None:
        return None
    facts = home.facts
    others = [room for room in home.rooms if room.id != unit.id]
    offered = [room for room in others if room.status in OFFERED]
    return HomeFacts(
        kind=facts["kind"],
        rooms=facts["rooms"],
        living_area_m2=exact(facts["living_area_m2"]),
        lease_form=facts["lease_form"],
        spaces=tuple((space["kind"], exact(space["area_m2"])) for space in facts["spaces"]),
        occupants=sum(room.occupants_max or 1 for room in offered) + (unit.occupants_max or 1),
        rents_cents=sum(room.rent_cents for room in offered) + unit.rent_cents,
        room_count=len(offered) + 1,
        rooms_area_m2=sum((exact(room.living_area_m2) for room in offered), exact(unit.living_area_m2)),
    )


def energy_share(unit: Unit) -> Decimal:
    """The part of its home's energy bill a room bears: its area over the home's area not shared (the home's
    less its shared spaces); 1 for a unit without a home."""
    home = unit.home
    if home is None:
        return Decimal(1)
    area = exact(home.facts["living_area_m2"])
    private = area - sum((exact(space["area_m2"]) for space in home.facts["spaces"]), Decimal(0))
    return min(Decimal(1), exact(unit.living_area_m2) / (private if private > 0 else area))


def derived_facts(unit: Unit) -> dict[str, Any]:
    """What follows from the unit's facts, its commune and the policy, as its events and its owner see it:
    overseas or not, the first day no lease may be signed for its class, the last day its DPE is valid."""
    facts = facts_of(unit)
    return {
        "overseas": facts.overseas,
        # loi 89-462's letting bans do not reach an intergenerational cohabitation (not a lease: CCH art. L631-17)
        "letting_banned_from": None if is_cohabitation(facts) else banned_from(facts.energy_class, facts.overseas, policy()),
        "dpe_valid_until": dpe_valid_until(facts.dpe_date, policy()),
        "energy_cost": energy_cost_of(unit),
    }


def stamp_energy_cost(unit: Unit) -> None:
    """Store the unit's energy bill a month as the search shows it, with the price table it was priced with."""
    found = energy_cost_of(unit)
    unit.energy_cost_cents = found["monthly_cents"] if found is not None else None
    unit.energy_prices_since = policy().energy_prices_since


def energy_cost_of(unit: Unit) -> dict[str, Any] | None:
    """The unit's estimated energy bill a month (``domain/energy_cost.py``), or None without its main energy."""
    rules = policy()
    home_area = unit.home.facts["living_area_m2"] if unit.home is not None else unit.living_area_m2
    found = estimate(
        energy=unit.main_energy,
        living_area_m2=exact(home_area),
        final_kwh=exact(unit.final_energy_kwh) if unit.final_energy_kwh is not None else None,
        primary_kwh=exact(unit.primary_energy_kwh) if unit.primary_energy_kwh is not None else None,
        dpe_date=unit.dpe_date,
        tariffs=rules.energy_tariffs,
        factors=rules.electricity_primary_factors,
        spread=rules.energy_cost_spread,
    )
    if found is None:
        return None
    share = energy_share(unit)
    if share != 1:  # a room of a shared home: its part of the home's bill
        found = replace(
            found,
            annual_kwh=found.annual_kwh * share,
            monthly_cents=int((found.monthly_cents * share).to_integral_value(ROUND_HALF_UP)),
            low_cents=int((found.low_cents * share / 100).to_integral_value(ROUND_FLOOR)) * 100,
            high_cents=int((found.high_cents * share / 100).to_integral_value(ROUND_CEILING)) * 100,
        )
    return {**asdict(found), "annual_kwh": int(found.annual_kwh), "prices_since": rules.energy_prices_since}


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


def local_today(unit: Unit, now: datetime) -> date:
    """The calendar day of the instant ``now`` where ``unit`` stands (its département's time zone, overseas its
    own: ``abri_kit.calendar.local_day``): the day every dated rule about the unit is judged on."""
    return local_day(now, unit.departement)


def failed_rules(unit: Unit, now: datetime) -> list[RuleFailure]:
    """Every publishing rule the unit fails at the instant ``now``, judged on its day where it stands
    (:func:`local_today`); where it is against the commune table first (a unit stored before the table was
    checked is held to it too). The reference-rent table in force is the service's, renewed on the day in
    France (one table for every home: it is not read again each time a zone enters a new year)."""
    placed = place_failures(unit.insee_code, unit.postal_code, unit.departement, unit.latitude, unit.longitude, policy())
    place = [RuleFailure(f.rule, f.fields, f.message, f.params) for f in placed]
    rents = reference_rents_file().current(day_in_france(now))
    return place + publishing_failures(facts_of(unit), local_today(unit, now), policy(), rents)
