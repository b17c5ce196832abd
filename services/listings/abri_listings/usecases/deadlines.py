"""The daily check of published and let units against the rules of the day: a published unit that a rule
now refuses (a letting ban that began, a diagnosis that expired, a policy that changed) goes back to its
owner as a draft and leaves the market; a published or let unit whose ban or diagnosis's end is near is
announced to its owner once, ``ban_notice_days`` ahead (``domain/policy.py``), so that they can renovate
or order a new diagnosis (a let home's lease may then be neither renewed nor followed by a new one).

Each published unit is checked once a day, its own day where it stands (``publishing.local_today``: a
home in La Réunion from midnight there, three hours before Paris, one in Martinique five hours after), by
whichever replica takes it first: the candidates are locked with SKIP LOCKED, and each is claimed by an
atomic upsert of ``unit_deadlines.checked_on`` to its local day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from abri_contracts.listings import UnitDeadlineAnnounced, WithdrawalReason
from abri_kit.usecase import Context
from abri_listings.db.models import Unit
from abri_listings.db.repositories.units import Units
from abri_listings.domain.lifecycle import Transition, UnitStatus, next_status
from abri_listings.usecases.publishing import derived_facts, failed_rules, local_today, policy
from abri_listings.usecases.unit_events import note_withdrawal, withdrawn_event

logger = logging.getLogger(__name__)


@dataclass
class DeadlineSweep:
    """What one batch did."""

    checked: int = 0
    returned_to_draft: int = 0
    announced: int = 0


async def check_batch(ctx: Context, batch: int = 200) -> DeadlineSweep:
    """Check up to ``batch`` published or let units not yet checked on their day at ``ctx.now`` (each one's
    day where it stands). Each unit is claimed first (another replica's claim: skipped) and judged in a
    savepoint of its own, so that one unit that cannot be judged is logged and left for tomorrow without
    undoing the others."""
    units = Units.for_system(ctx.uow)
    swept = DeadlineSweep()
    for unit in await units.due_for_deadline_check(ctx.now, batch):
        swept.checked += 1
        today = local_today(unit, ctx.now)
        claimed, announced = await units.claim_deadline_check(unit, today)
        if not claimed:
            continue
        try:
            async with ctx.uow.session.begin_nested():
                await _judge(ctx, units, unit, today, announced, swept)
        except Exception:
            logger.exception("unit %s could not be checked against the day's rules; it is checked again tomorrow", unit.id)
    return swept


async def _judge(ctx: Context, units: Units, unit: Unit, today: date, announced: date | None, swept: DeadlineSweep) -> None:
    """Judge ``unit`` on ``today``, its day where it stands at ``ctx.now``."""
    failures = failed_rules(unit, ctx.now) if unit.status == UnitStatus.PUBLISHED.value else []
    if failures:
        await _return_to_draft(ctx, unit, [f.rule for f in failures])
        swept.returned_to_draft += 1
        return
    deadline = next_deadline(unit, today)
    if deadline is not None and deadline[0] - timedelta(days=policy().ban_notice_days) <= today and announced != deadline[0]:
        await ctx.uow.publish(_announcement(ctx, unit, *deadline), at=ctx.now)
        await units.note_announced(unit, deadline[0])
        swept.announced += 1


def next_deadline(unit: Unit, today: date) -> tuple[date, WithdrawalReason] | None:
    """The next day after ``today`` (the unit's day where it stands: ``publishing.local_today``) from which no
    lease may be signed for ``unit`` (a ban, or the day after its diagnosis ends), and why: a deadline
    already past is not announced again, the one after it is."""
    derived = derived_facts(unit)
    deadlines: list[tuple[date, WithdrawalReason]] = []
    if derived["letting_banned_from"] is not None:
        deadlines.append((derived["letting_banned_from"], "letting_ban"))
    if derived["dpe_valid_until"] is not None:
        deadlines.append((derived["dpe_valid_until"] + timedelta(days=1), "dpe_expired"))
    ahead = [deadline for deadline in deadlines if deadline[0] > today]
    return min(ahead) if ahead else None


async def _return_to_draft(ctx: Context, unit: Unit, rules: list[str]) -> None:
    note_withdrawal(unit, ctx.now, rules)
    unit.status = next_status(UnitStatus(unit.status), Transition.RETURN_TO_DRAFT).value
    unit.updated_at = ctx.now
    await ctx.uow.flush("the unit")
    await ctx.uow.publish(withdrawn_event(unit), at=ctx.now)


def _announcement(ctx: Context, unit: Unit, deadline: date, reason: WithdrawalReason) -> UnitDeadlineAnnounced:
    assert reason in ("letting_ban", "dpe_expired")
    return UnitDeadlineAnnounced(
        unit_id=unit.id,
        version=unit.version,
        owner_id=unit.owner_id,
        reason=reason,
        deadline=deadline,
        energy_class=unit.energy_class,
        overseas=derived_facts(unit)["overseas"],
        announced_at=ctx.now,
        postal_code=unit.postal_code,
        commune=unit.commune,
    )
