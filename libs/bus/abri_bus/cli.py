"""``abri-bus``: list dead letters.

Examples::

    abri-bus dead-letters list abri.listings.unit

The brokers come from ``--bootstrap`` or ``ABRI_KAFKA_BOOTSTRAP_SERVERS``, the credential from
``ABRI_KAFKA_USERNAME``, ``ABRI_KAFKA_PASSWORD`` and ``ABRI_KAFKA_CA_FILE`` (in a service's pod: the service's
own). Replaying is the consuming service's job, in its own process (``POST /v1/ops/dead-letters/replay``, or
the ops page): a tool that put dead letters back on their topic would need to write a topic that belongs to
another service, which the Kafka ACLs refuse.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Annotated

import typer

from abri_bus.dlq import DLQ_SUFFIX, list_dead_letters
from abri_bus.kafka import KafkaSettings

app = typer.Typer(help="Abri event bus tools.", no_args_is_help=True)
dead_letters = typer.Typer(help="Dead letters: list them (replay: the service's ops API).", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")

Bootstrap = Annotated[str | None, typer.Option("--bootstrap", envvar="ABRI_KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers.")]


def _dlq(topic: str) -> str:
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


@dead_letters.command("list")
def list_command(topic: str, bootstrap: Bootstrap = None, limit: int = 100, as_json: bool = typer.Option(False, "--json")) -> None:
    """List the dead letters of TOPIC (or of TOPIC.dlq)."""
    kafka = KafkaSettings.from_env("abri-bus")
    if bootstrap:
        kafka = replace(kafka, bootstrap_servers=bootstrap)
    letters = asyncio.run(list_dead_letters(kafka, _dlq(topic), limit=limit))
    rows = [
        {
            "partition": d.partition,
            "offset": d.offset,
            "event_id": d.event_id,
            "type": d.header("ce_type"),
            "reason": d.reason,
            "consumer": d.header("abri_dlq_consumer"),
            "error": d.error,
        }
        for d in letters
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"no dead letters on {_dlq(topic)}")
    for row in rows:
        where = f"{row['partition']}/{row['offset']}"
        typer.echo(f"{where}  {row['type']}  {row['event_id']}  [{row['consumer']}] {row['reason']}: {str(row['error'])[:120]}")


if __name__ == "__main__":
    app()
