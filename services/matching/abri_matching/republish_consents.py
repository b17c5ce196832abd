"""Tell the other services again every household's purposes in force: ``python -m abri_matching.republish_consents``.

Guarantees and notifications gate on the purposes matching publishes in ``household.consents_changed``.
Households registered before matching published them (an upgrade), or a consumer whose read model was
rebuilt, need them told again: this publishes the event for every household not erased, through the
outbox, in batches of one transaction each (``usecases/consents.py`` ``republish``). Safe to run again
and beside running replicas (the consumers keep the newest; rows a replica holds are skipped and told at
its next change).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from abri_kit.clock import Clock, system_clock
from abri_kit.usecase import Context
from abri_matching.settings import MatchingSettings
from abri_matching.usecases import consents

BATCH = 200


async def republish_all(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock = system_clock, batch: int = BATCH) -> int:
    """Publish every household's purposes in force again, a batch per transaction; how many households were told."""
    told: list[uuid.UUID] = []
    while True:
        async with sessionmaker() as session, session.begin():
            now: datetime = clock()
            done = await consents.republish(Context.of_system(session, now), told[-1] if told else None, batch)
        if not done:
            return len(told)
        told += done


async def main() -> None:
    settings = MatchingSettings()
    engine = create_async_engine(settings.database_url.get_secret_value())
    try:
        told = await republish_all(async_sessionmaker(engine, expire_on_commit=False))
    finally:
        await engine.dispose()
    print(f"abri-matching: the purposes in force of {told} household(s) published again")


if __name__ == "__main__":
    asyncio.run(main())
