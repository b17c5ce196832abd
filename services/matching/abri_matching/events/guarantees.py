"""The guarantees service's decisions → the placement's guarantee step (``usecases/guarantee_decisions.py``),
each dated by the decision's own time; a lease that did not activate its guarantee → a step of the
placement's timeline."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import ReceivedEvent
from abri_contracts.guarantees import GuaranteeActivationRefused, GuaranteeApproved, GuaranteeRejected
from abri_kit.usecase import Context
from abri_matching.usecases import guarantee_decisions as decisions


async def on_guarantee_approved(session: AsyncSession, event: ReceivedEvent[GuaranteeApproved]) -> None:
    data = event.data
    await decisions.guarantee_approved(Context.of_system(session, event.envelope.time), data.placement_id, data.fund_id, data.decided_at)


async def on_guarantee_rejected(session: AsyncSession, event: ReceivedEvent[GuaranteeRejected]) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await decisions.guarantee_rejected(ctx, data.placement_id, data.fund_id, data.decided_at, list(data.reasons or []))


async def on_activation_refused(session: AsyncSession, event: ReceivedEvent[GuaranteeActivationRefused]) -> None:
    data = event.data
    ctx = Context.of_system(session, event.envelope.time)
    await decisions.guarantee_not_activated(ctx, data.placement_id, data.fund_id, data.refused_at, data.reason)
