"""Which of matching's hard rules a proposal must pass. Pure.

The ranking never shows a pair that fails a hard rule (``domain/ranking.py``), but a social worker may
propose any published unit by its id. The three rules that keep a household out of a home it cannot live
in hold there too, judged by the very functions the ranking uses: the overcrowding norm (the home is too
small for the household), the rent burden above its association's threshold (it cannot afford it) and
the accessibility needs recorded for it (step-free access, a ground floor: it could not get in), and
a room of a shared home's capacity (more people than the room takes), and intergenerational cohabitation's
condition of the law (one person under 30 on the first day: CCH art. L631-17). The other rules of the ranking (wanted
places, bedrooms, availability, schemes in common, a shared home's house rules) keep ordering and filtering the
rankings; at a proposal, the social worker who supports the household answers for them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from abri_kit.legal import coded_error
from abri_matching.domain.leases import refusal
from abri_matching.domain.ranking import Evaluation, RuleResult

PROPOSAL_RULES = ("overcrowding", "rent_burden", "accessibility", "room_capacity", "cohabitation_age")


def failed_at_proposal(evaluation: Evaluation) -> list[RuleResult]:
    """The rules of :data:`PROPOSAL_RULES` the pair fails (none: it may be proposed)."""
    return [rule for rule in evaluation.rules if rule.rule in PROPOSAL_RULES and not rule.passed]


def energy_refusals(letting_banned_from: date | None, available_from: date | None, today: date) -> list[dict[str, Any]]:
    """A unit whose letting ban (loi 2021-1104, art. 160) has begun on the first day it can be handed over
    (its availability, or today if later) can get no lease: it is not proposed, as listings would not publish
    it (``None``: no ban known, as for units of older events)."""
    if letting_banned_from is None:
        return []
    starts = max(available_from or today, today)
    if letting_banned_from <= starts:
        return [
            refusal(
                "energy_letting_ban",
                f"no lease may be signed for this unit from {letting_banned_from.isoformat()}, "
                f"and it is available from {starts.isoformat()}",
                fields=["unit_id"],
                letting_banned_from=letting_banned_from.isoformat(),
                available_from=starts.isoformat(),
            )
        ]
    return []


def rule_refusals(failed: list[RuleResult]) -> list[dict[str, Any]]:
    """The failed hard rules of a proposal as coded refusals, each with its legal source."""
    return [{**coded_error(rule.rule, rule.reason, source=rule.legal, params=dict(rule.params)), "code": rule.rule} for rule in failed]
