"""A relay process that stops dead between producing a batch and marking it sent.

Run by ``test_relay_crash.py``: it prints ``SENT`` once Kafka acknowledged the batch, then hangs
before the commit, waiting for the test's SIGKILL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
from typing import Any

from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.kafka import KafkaSettings
from abri_bus.relay import OutboxRelay


class RelayDyingAfterSend(OutboxRelay):
    async def _produce(self, rows: list[Any]) -> tuple[dict[int, str], set[int]]:
        outcome = await super()._produce(rows)
        print("SENT", len(rows), flush=True)
        time.sleep(3600)  # noqa: ASYNC251  (blocks the event loop on purpose: nothing more happens until the kill)
        return outcome


async def main(database_url: str, bootstrap: str) -> None:
    engine = create_async_engine(database_url)
    kafka = dataclasses.replace(KafkaSettings.from_env("relay-crash"), bootstrap_servers=bootstrap)
    relay = RelayDyingAfterSend(engine, kafka.producer, service="bustest", listen=False)
    await relay.drain_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
