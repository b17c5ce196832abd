"""``abri-bus dead-letters``: the operator's way to list dead letters (replaying is the consuming service's)."""

from __future__ import annotations

import asyncio
import json
import os

from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus import metrics
from abri_bus.dlq import list_dead_letters
from abri_bus.envelope import Envelope, encode
from tests.bus.conftest import WidgetChangedBase
from tests.bus.helpers import record_effect, running
from tests.bus.test_consumer import consumer_of, produce_raw
from tests.support import REPO, kafka, kafka_bootstrap, wait_until

CLI = str(REPO / ".venv" / "bin" / "abri-bus")


async def cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        CLI,
        *args,
        env={**os.environ, "ABRI_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_list_dead_letters_from_the_command_line(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
    topic = contract.topic()
    poison = Envelope.of(contract(widget_id="w-cli", seq=1))
    key, _, headers = encode(poison)
    await produce_raw(topic, key, b'{"widget_id": "w-cli", "seq": "not a number"}', headers)
    worker = consumer_of(db, contract, record_effect("c1"))
    before = metrics.DEAD_LETTERS.labels(worker.group_id, topic, "schema_invalid")._value.get()
    async with running(worker):
        await wait_until(lambda: _dlq_has(topic, 1), timeout=60, what="the dead letter")
    assert metrics.DEAD_LETTERS.labels(worker.group_id, topic, "schema_invalid")._value.get() == before + 1

    code, out, _ = await cli("dead-letters", "list", topic, "--json")
    assert code == 0
    [row] = json.loads(out)
    assert row["event_id"] == poison.id
    assert row["reason"] == "schema_invalid"
    assert row["consumer"] == worker.group_id

    # no replay from a shell: it would write to a topic of another service, which the ACLs refuse; the
    # service that set the letter aside replays it in its own process (its ops API)
    code, _, err = await cli("dead-letters", "replay", topic, "--all")
    assert code != 0 and "No such command" in err


async def _dlq_has(topic: str, expected: int) -> bool:
    return len(await list_dead_letters(kafka(), topic + ".dlq")) >= expected
