"""Which of matching's hard rules a proposal must pass. Pure.

The ranking never shows a pair that fails a hard rule (``domain/ranking.py``), but a social worker may
propose any published unit by its id. The three rules that keep a household out of a home it cannot live
in hold there too, judged by the very functions the ranking uses: the overcrowding norm (the home is too
small for the household), the rent burden above its association's threshold (it cannot afford it) and
the accessibility needs recorded for it (step-free access, a ground floor: it could not get in). The
other rules of the ranking (wanted places, bedrooms, availability, schemes in common) keep ordering and
filtering the rankings; at a proposal, the social worker who supports the household answers for them.
"""

from __future__ import annotations

from abri_matching.domain.ranking import Evaluation, RuleResult

PROPOSAL_RULES = ("overcrowding", "rent_burden", "accessibility")


def failed_at_proposal(evaluation: Evaluation) -> list[RuleResult]:
    """The rules of :data:`PROPOSAL_RULES` the pair fails (none: it may be proposed)."""
    return [rule for rule in evaluation.rules if rule.rule in PROPOSAL_RULES and not rule.passed]
