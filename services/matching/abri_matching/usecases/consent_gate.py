"""Consent as a gate: every use case that processes a household's data for a purpose asks here first
(``require``), and every change of a household's consents, legal basis or account goes through
``refresh``, which keeps ``households.purposes_in_force`` (what ranking reads in SQL: a write to a
household moves its association's ranking generation, so cached rankings take the change), stops at once what a
withdrawn purpose covered, and tells the other services (``household.consents_changed``).

When matching goes out of force the household leaves rankings (the column), its pending suggestions go,
and its proposals not yet accepted are withdrawn through the placement journey with the coded reason
``consent_withdrawn`` (their events tell the owner, listings and notifications).
"""

from __future__ import annotations

from collections.abc import Collection

from abri_contracts import EventContract
from abri_contracts.households import HouseholdConsentsChanged
from abri_contracts.matching import PlacementWithdrawn
from abri_kit.errors import NotAllowed, Refused
from abri_kit.usecase import Context
from abri_matching.db.households import Household
from abri_matching.db.repositories.allocations import Suggestions
from abri_matching.db.repositories.households import Consents as ConsentRows
from abri_matching.db.repositories.placements import Placements
from abri_matching.domain.consents import Consents, Purpose, refusal
from abri_matching.domain.placements import PlacementStatus, Step, WithdrawReason
from abri_matching.usecases.journey import ids, move, role_of

NOT_YET_ACCEPTED = (PlacementStatus.PROPOSED.value,)


async def consents_of(ctx: Context, household: Household) -> Consents:
    """The household's consents not withdrawn and its recorded legal basis (the household's own rows,
    read for the service: the caller already holds the household)."""
    given = await ConsentRows.for_system(ctx.uow).purposes_given(household.id)
    return Consents.of(given, [household.legal_basis])


async def require(ctx: Context, household: Household, purpose: Purpose, *, forbidden: bool = False) -> None:
    """Refuse unless ``purpose`` is in force for ``household``: 422 with the coded rule ``consent_required``
    (``forbidden``: 403, for a disclosure the caller asks for)."""
    if (await consents_of(ctx, household)).in_force(purpose):
        return
    item = refusal(purpose)
    detail = str(item["message"])
    if forbidden:
        raise NotAllowed(detail, title="No consent", code=item["code"], errors=[item])
    raise Refused(detail, title="No consent", errors=[item])


async def refresh(ctx: Context, household: Household, *, publish: bool = False, previous_account_subject: str | None = None) -> list[str]:
    """Recompute the household's purposes in force after a change of its consents, legal basis or account;
    stop what matching no longer may do; publish ``consents_changed`` when they changed (or ``publish``)."""
    consents = await consents_of(ctx, household)
    now_in_force = consents.purposes_in_force()
    before = list(household.purposes_in_force or [])
    if Purpose.MATCHING.value in before and not consents.in_force(Purpose.MATCHING):
        await stop_matching(ctx, household, WithdrawReason.CONSENT_WITHDRAWN, NOT_YET_ACCEPTED)
    if now_in_force != before:
        household.purposes_in_force = now_in_force
        household.updated_at = ctx.now
    if publish or now_in_force != before:
        changed = HouseholdConsentsChanged(
            household_id=household.id,
            org_id=household.org_id,
            account_subject=household.account_subject,
            purposes=now_in_force,
            legal_bases=sorted(consents.legal_bases),
            changed_at=ctx.now,
            previous_account_subject=previous_account_subject,
        )
        await ctx.uow.publish(changed, at=ctx.now)
    await ctx.uow.flush("the household")
    return now_in_force


async def stop_matching(
    ctx: Context, household: Household, reason: WithdrawReason, statuses: Collection[str], *, by_household: bool = False
) -> list[str]:
    """The household's pending suggestions go, and its placements in ``statuses`` are withdrawn with
    ``reason`` (each step recorded and published: the owner, listings and notifications are told).
    ``by_household``: the household itself asked (its erasure): the steps name its role, never its
    subject. Returns the ids of the placements withdrawn."""
    await Suggestions.for_system(ctx.uow).drop_pending_of(household.id)
    withdrawn: list[str] = []
    for placement in await Placements.for_system(ctx.uow).of_household(household.id, list(statuses)):
        events: list[EventContract] = []
        if placement.status == PlacementStatus.PROPOSED.value:
            events.append(PlacementWithdrawn(**ids(placement), reason=reason.value, withdrawn_at=ctx.now))
        actor, role = ("household", "household") if by_household else (ctx.principal.subject, role_of(ctx.principal))
        await move(ctx, placement, Step.WITHDRAW, actor=actor, role=role, at=ctx.now, reason=reason.value, events=events)
        withdrawn.append(str(placement.id))
    return withdrawn
