"""Proposing a household for a published unit: the first step of the placement journey.

The household must be searching (the household's state machine) and its data open to matching (its
consent, or a legal basis: ``usecases/consent_gate.py``), the unit published and open to the
scheme, and the pair must pass the hard rules that hold at a proposal (``domain/proposals.py``: the
overcrowding norm and the rent burden, judged as the ranking judges them, with the association's own
threshold, on the day of the request in France), and the unit's energy ban, judged on the day where the home
stands (an overseas home's own day: ``unit_view.home_day``). A refusal changes nothing.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from abri_contracts.matching import PlacementProposed
from abri_kit.errors import Conflict, Problem, Refused
from abri_kit.usecase import Context
from abri_matching.db.facts import household_facts, unit_facts
from abri_matching.db.households import Household
from abri_matching.db.placements import Placement
from abri_matching.db.repositories.allocations import Suggestions
from abri_matching.db.repositories.associations import Associations
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.placements import Placements
from abri_matching.db.repositories.units import Units
from abri_matching.db.units import UnitView
from abri_matching.domain.consents import Purpose
from abri_matching.domain.households import HouseholdMove, HouseholdMoveRefused, HouseholdStatus, household_after
from abri_matching.domain.placements import PlacementPolicy, Step, resources_band
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.proposals import energy_refusals, failed_at_proposal, rule_refusals
from abri_matching.domain.ranking import evaluate
from abri_matching.usecases.consent_gate import require
from abri_matching.usecases.journey import days_between, ids, move
from abri_matching.usecases.placement_views import PlacementView, view
from abri_matching.usecases.unit_view import home_day


async def propose(
    ctx: Context, policy: MatchingPolicy, journey: PlacementPolicy, household_id: uuid.UUID, unit_id: uuid.UUID, scheme: str
) -> PlacementView:
    """Propose one of the caller's households for a published unit under one of its schemes (one active
    proposal per unit: 409 if another holds it). A batch run's pending suggestion of the pair is marked
    proposed in the same transaction."""
    household = await Households.of(ctx).get(household_id, for_update=True)
    try:
        household_after(HouseholdStatus(household.status), HouseholdMove.PROPOSE)
    except HouseholdMoveRefused as exc:
        raise Conflict(str(exc), title="Not searching") from exc
    await require(ctx, household, Purpose.MATCHING)
    unit = await Units.of(ctx).open(unit_id)
    if unit is None:
        raise Problem(404, f"unit {unit_id} is not open to placements")
    if scheme not in unit.schemes:
        raise Refused(
            f"the unit does not accept the scheme {scheme}", errors=[{"field": "body.scheme", "message": "not a scheme of the unit"}]
        )
    await refuse_if_not_a_match(ctx, policy, household, unit)
    rules = journey.rules_of(scheme)
    placement = Placements.of(ctx).add(
        Placement(
            id=uuid.uuid4(),
            org_id=household.org_id,
            household_id=household.id,
            unit_id=unit.unit_id,
            owner_id=unit.owner_id,
            scheme=scheme,
            guarantee_required=scheme in journey.guarantee_schemes,
            proposed_by=ctx.principal.subject,
            proposed_at=ctx.now,
            answer_by=ctx.now + journey.answer_within,
            ready_to_slide=False,
            departement=unit.departement,
        )
    )
    proposed = PlacementProposed(
        **ids(placement),
        owner_id=placement.owner_id,
        household_size=household.adults + household.children if journey.discloses(scheme, "household_size") else None,
        resources_band=resources_band(household.resources_cents, journey.resources_bands_cents)
        if journey.discloses(scheme, "resources_band")
        else None,
        association_is_tenant=rules.association_is_tenant if rules is not None else None,
        guarantee_required=placement.guarantee_required,
        proposed_at=ctx.now,
        answer_by=placement.answer_by,
        days_since_registration=days_between(household.registered_since, ctx.today),
    )
    try:
        await move(ctx, placement, Step.PROPOSE, actor=ctx.principal.subject, role="social_worker", at=ctx.now, events=[proposed])
    except IntegrityError as exc:
        raise Conflict("this unit already has an active proposal", title="Unit already proposed") from exc
    await Suggestions.of(ctx).mark_proposed(household.id, unit.unit_id, by=ctx.principal.subject, at=ctx.now)
    return await view(ctx, journey, placement)


async def refuse_if_not_a_match(ctx: Context, policy: MatchingPolicy, household: Household, unit: UnitView) -> None:
    """422 naming each hard rule of a proposal the pair fails, with its reason (nothing is changed)."""
    threshold, schemes = await Associations.of(ctx).settings(household.org_id, policy)
    evaluation = evaluate(household_facts(household, threshold, schemes), unit_facts(unit), ctx.today, policy)
    banned = energy_refusals(unit.letting_banned_from, unit.available_from, home_day(unit, ctx.now))
    refused = rule_refusals(failed_at_proposal(evaluation)) + banned
    if refused:
        raise Refused(
            f"{len(refused)} hard rule(s) of matching refuse this proposal; nothing was changed", title="Not a match", errors=refused
        )
