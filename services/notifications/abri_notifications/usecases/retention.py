"""What notifications keeps about a person leaves when its period is over (``domain/retention.py``):
deliveries (the rendered text, the recipient's subject, a webhook's data), inbox messages, and the
directory entries (sealed addresses) of people who have not used the service for the period, with
their messages and the deliveries still addressed to them (their data keys shredded first, the erasure
ledger before them: ``directory.erase_people``). Rows are deleted, not archived: nothing here is a record
the law asks to keep."""

from __future__ import annotations

from dataclasses import dataclass

from abri_kit.usecase import Context
from abri_notifications.db.repositories.read_models import AwaitingEvents
from abri_notifications.db.repositories.retention import Lapsed
from abri_notifications.directory import erase_people
from abri_notifications.domain.retention import RetentionPolicy


@dataclass(frozen=True)
class Swept:
    """How many rows one batch deleted, by kind."""

    deliveries: int = 0
    messages: int = 0
    people: int = 0
    awaiting: int = 0
    """Events that waited for their unit or placement longer than deliveries are kept (``telling.py``)."""

    @property
    def total(self) -> int:
        return self.deliveries + self.messages + self.people + self.awaiting


async def delete_lapsed(ctx: Context, policy: RetentionPolicy, batch: int = 500) -> Swept:
    """Delete up to ``batch`` rows of each kind whose period ended before ``ctx.now`` (rows another
    replica is sweeping are skipped)."""
    lapsed = Lapsed.for_system(ctx.uow)
    deliveries = await lapsed.delete_deliveries(policy.deliveries_before(ctx.now), batch)
    messages = await lapsed.delete_messages(policy.messages_before(ctx.now), batch)
    idle = await lapsed.idle_people(policy.idle_before(ctx.now), batch)
    if idle:
        await erase_people(idle, at=ctx.now, requested_by="retention")
    awaiting = await AwaitingEvents.for_system(ctx.uow).drop_older_than(policy.deliveries_before(ctx.now), batch)
    return Swept(deliveries=deliveries, messages=messages, people=await lapsed.delete_people(idle), awaiting=awaiting)
