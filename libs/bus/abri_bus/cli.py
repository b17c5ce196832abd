"""``abri-bus``: list and replay dead letters.

Examples::

    abri-bus dead-letters list abri.listings.unit
    abri-bus dead-letters replay abri.listings.unit --partition 0 --offset 12
    abri-bus dead-letters replay abri.listings.unit --all

The bootstrap servers come from ``--bootstrap`` or ``ABRI_KAFKA_BOOTSTRAP_SERVERS``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from abri_bus.dlq import DLQ_SUFFIX, list_dead_letters, read_dead_letter, replay

app = typer.Typer(help="Abri event bus tools.", no_args_is_help=True)
dead_letters = typer.Typer(help="Dead letters: list and replay.", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")

Bootstrap = Annotated[str, typer.Option("--bootstrap", envvar="ABRI_KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers.")]


def _dlq(topic: str) -> str:
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


@dead_letters.command("list")
def list_command(
    topic: str, bootstrap: Bootstrap = "127.0.0.1:9092", limit: int = 100, as_json: bool = typer.Option(False, "--json")
) -> None:
    """List the dead letters of TOPIC (or of TOPIC.dlq)."""
    letters = asyncio.run(list_dead_letters(bootstrap, _dlq(topic), limit=limit))
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


@dead_letters.command("replay")
def replay_command(
    topic: str,
    bootstrap: Bootstrap = "127.0.0.1:9092",
    partition: Annotated[int | None, typer.Option(help="Partition of the dead letter.")] = None,
    offset: Annotated[int | None, typer.Option(help="Offset of the dead letter.")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter of the topic.")] = False,
) -> None:
    """Put dead letters of TOPIC back on TOPIC: one (--partition and --offset) or all (--all)."""
    if replay_all == (partition is not None or offset is not None) or (partition is None) != (offset is None):
        raise typer.BadParameter("give either --partition and --offset, or --all")

    async def run() -> int:
        if replay_all:
            chosen = await list_dead_letters(bootstrap, _dlq(topic), limit=1_000_000, timeout=300)
        else:
            assert partition is not None and offset is not None
            letter = await read_dead_letter(bootstrap, _dlq(topic), partition, offset)
            chosen = [letter] if letter else []
        if not chosen:
            raise typer.BadParameter(f"no dead letter at {partition}/{offset} on {_dlq(topic)}")
        return await replay(bootstrap, chosen)

    typer.echo(f"replayed {asyncio.run(run())} message(s) to {topic.removesuffix(DLQ_SUFFIX)}")


if __name__ == "__main__":
    app()
