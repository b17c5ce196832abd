"""``abri-bus dead-letters``: the operator's way to list and replay dead letters."""

from __future__ import annotations

import asyncio
import json
import os

from sqlalchemy.ext.asyncio import AsyncEngine

from abri_bus import metrics
from abri_bus.dlq import list_dead_letters
from abri_bus.envelope import Envelope, encode
from tests.bus.conftest import WidgetChangedBase
from tests.bus.helpers import read_topic, record_effect, running
from tests.bus.test_consumer import consumer_of, produce_raw
from tests.support import REPO, kafka_bootstrap, wait_until

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


async def test_list_and_replay_one_dead_letter_from_the_command_line(db: AsyncEngine, contract: type[WidgetChangedBase]) -> None:
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

    code, _, err = await cli("dead-letters", "replay", topic)
    assert code != 0 and "--all" in err  # neither one letter nor --all: refused, nothing replayed
    code, _, err = await cli("dead-letters", "replay", topic, "--partition", str(row["partition"]), "--offset", "999")
    assert code != 0 and "no dead letter" in err

    code, out, _ = await cli("dead-letters", "replay", topic, "--partition", str(row["partition"]), "--offset", str(row["offset"]))
    assert code == 0 and "replayed 1" in out
    records = await read_topic(kafka_bootstrap(), topic, expected=2)
    replayed = records[-1]
    assert dict(replayed.headers)["ce_id"] == poison.id.encode()
    assert dict(replayed.headers)["abri_replayed_from"] == f"{topic}.dlq/{row['partition']}/{row['offset']}".encode()
    assert not any(name.startswith("abri_dlq_") for name, _ in replayed.headers)


async def _dlq_has(topic: str, expected: int) -> bool:
    return len(await list_dead_letters(kafka_bootstrap(), topic + ".dlq")) >= expected
