"""``abri-ops``: the operator's tool.

Examples::

    abri-ops bus matching                     # outbox backlog, consumer lag, dead letters of one service
    abri-ops outbox --all                     # the outbox backlog of every service whose database URL is set
    abri-ops lag notifications                # committed offsets against high watermarks, per partition
    abri-ops dead-letters list abri.listings.unit  # replay: the service's ops API or the ops page
    abri-ops keys status matching             # which KEKs the wrapped keys depend on
    abri-ops keys rotate matching             # re-wrap every key under the current KEK (resumable)
    abri-ops access-log verify guarantees     # the access log's chain against its anchors on abri.guarantees.audit
    abri-ops erasures status matching         # the erasure ledger, and erased subjects whose key is still there
    abri-ops erasures reapply matching        # after any restore: shred again every key the ledger lists
    abri-ops rewind matching --to 2026-12-06T08:00:00+00:00  # after a restore: apply again the events since the backup

Inside a service's pod: ``kubectl exec deploy/<release>-matching -- abri-ops bus matching``. Variables: those
of the service (``ABRI_<SERVICE>_DATABASE_URL``, ``ABRI_<SERVICE>_KEKS``, ``ABRI_<SERVICE>_KEYSTORE_URL``,
``ABRI_<SERVICE>_LEDGER_URL``, ``ABRI_<SERVICE>_KAFKA_USERNAME``...), and ``ABRI_KAFKA_BOOTSTRAP_SERVERS``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import create_async_engine

from abri_bus.cli import dead_letters
from abri_kit.bus_status import consumed_topics, consumer_group, consumer_lag, dead_letter_counts, outbox_backlog
from abri_kit.envelope import KeyringError, KeyServiceError
from abri_kit.key_rotation import KeyringDeclaration, kek_usage, rewrap
from abri_kit.keystore import ErasureLedger, PostgresKeyStore
from abri_ops.access_log import commands as access_log_commands
from abri_ops.environment import (
    SERVICES,
    EnvironmentError_,
    database_url,
    kafka_settings,
    keyring_declaration,
    keystore_url,
    ledger_url,
)
from abri_ops.erasures import keys_left, reapply
from abri_ops.rewind import GroupActive, Rewound, applied_offsets, rewind

app = typer.Typer(help="Abri operations: event bus, dead letters, key rotation.", no_args_is_help=True)
keys = typer.Typer(help="Key-encryption keys: status and rotation.", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")  # the event bus's own commands, as `abri-bus dead-letters`
app.add_typer(keys, name="keys")
app.add_typer(access_log_commands, name="access-log")
erasures = typer.Typer(help="The erasure ledger: status, and re-applying it after a restore.", no_args_is_help=True)
app.add_typer(erasures, name="erasures")

Service = Annotated[str, typer.Argument(help=f"One of: {', '.join(SERVICES)}.", envvar="ABRI_OPS_SERVICE")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
T = TypeVar("T")


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; a missing variable or a malformed keyring ends the command with a clear message."""
    try:
        return asyncio.run(make())
    except (EnvironmentError_, KeyringError, KeyServiceError) as exc:
        typer.echo(f"abri-ops: {exc}", err=True)
        raise typer.Exit(2) from exc


def _store(declaration: KeyringDeclaration) -> PostgresKeyStore | None:
    """The service's key store, if its declaration keeps keys there."""
    return PostgresKeyStore(keystore_url(declaration.service)) if declaration.keystore else None


def _check(service: str) -> str:
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    return service


async def _outbox(service: str) -> dict[str, Any]:
    engine = create_async_engine(database_url(service))
    try:
        return asdict(await outbox_backlog(engine))
    finally:
        await engine.dispose()


async def _lag(service: str) -> list[dict[str, Any]]:
    lags = await consumer_lag(kafka_settings(service), consumer_group(service), consumed_topics(service))
    return [{**asdict(p), "lag": p.lag} for p in lags]


@app.command("outbox")
def outbox_command(
    service: Annotated[str | None, typer.Argument(help="A service (default: every service whose database URL is set).")] = None,
    as_json: Json = False,
) -> None:
    """The outbox backlog: rows not yet acknowledged by Kafka, and the age of the oldest."""
    chosen = [_check(service)] if service else [s for s in SERVICES if os.environ.get(f"ABRI_{s.upper()}_DATABASE_URL")]
    if not chosen:
        raise typer.BadParameter("no ABRI_<SERVICE>_DATABASE_URL is set")

    async def run() -> dict[str, dict[str, Any]]:
        return {s: await _outbox(s) for s in chosen}

    result = _run(run)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for name, backlog in result.items():
        typer.echo(f"{name:<14} unsent {backlog['unsent']:>7}   oldest {backlog['oldest_unsent_age_seconds']:>10.1f} s")


@app.command("lag")
def lag_command(service: Service, as_json: Json = False) -> None:
    """The consumer group's lag on each partition it consumes (committed offset against the high watermark)."""
    rows = _run(lambda: _lag(_check(service)))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo(f"{service} consumes no topic")
    for row in rows:
        committed = "-" if row["committed"] is None else row["committed"]
        typer.echo(f"{row['topic']}/{row['partition']:<3} committed {committed:>8}  end {row['end']:>8}  lag {row['lag']:>7}")
    typer.echo(f"total lag of {consumer_group(service)}: {sum(r['lag'] for r in rows)}")


@app.command("bus")
def bus_command(service: Service, as_json: Json = False) -> None:
    """Everything at once for one service: outbox backlog, consumer lag, dead letters per consumed topic."""
    _check(service)

    async def run() -> dict[str, Any]:
        topics = consumed_topics(service)
        counts = await dead_letter_counts(kafka_settings(service), topics)
        return {
            "service": service,
            "outbox": await _outbox(service),
            "consumer_group": consumer_group(service),
            "consumer_lag": await _lag(service),
            "dead_letters": [asdict(c) for c in counts],
        }

    result = _run(run)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    outbox = result["outbox"]
    typer.echo(f"outbox       unsent {outbox['unsent']}, oldest {outbox['oldest_unsent_age_seconds']:.1f} s")
    typer.echo(f"consumer     {result['consumer_group']}: total lag {sum(r['lag'] for r in result['consumer_lag'])}")
    for row in result["consumer_lag"]:
        if row["lag"]:
            typer.echo(f"             {row['topic']}/{row['partition']}: {row['lag']} behind")
    for count in result["dead_letters"]:
        typer.echo(f"dead letters {count['dlq_topic']}: {count['count']}")


@keys.command("status")
def keys_status(service: Service, as_json: Json = False) -> None:
    """Which KEKs the service's wrapped values depend on, table by table; the current KEK."""
    _check(service)

    async def run() -> dict[str, Any]:
        declaration = keyring_declaration(service)
        keyring = declaration.keyring()
        engine = create_async_engine(database_url(service))
        store = _store(declaration)
        try:
            usage = await kek_usage(engine, declaration, store)
            return {"variable": declaration.variable, "service": service, "current": await keyring.current_kek(), "tables": usage}
        finally:
            await engine.dispose()
            await keyring.aclose()
            if store is not None:
                await store.close()

    result = _run(run)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"{service}: current KEK {result['current']} ({result['variable']})")
    for table, kids in result["tables"].items():
        typer.echo(f"  {table}: " + (", ".join(f"{kid} {n}" for kid, n in kids.items()) or "empty"))


@keys.command("rotate")
def keys_rotate(
    service: Service,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Rows per transaction.")] = 500,
    as_json: Json = False,
) -> None:
    """Re-wrap every wrapped value under the current KEK (the first of ABRI_<SERVICE>_KEKS, or the transit key's latest version).

    Idempotent and resumable: run it again after an interruption. Exits 1 while anything is left under
    another KEK (a row would not open, or was in use): fix and run again before removing an old KEK.
    """
    _check(service)

    async def progress(table: str, count: int) -> None:
        if not as_json and count:
            typer.echo(f"  {table}: {count} re-wrapped")

    async def run() -> dict[str, Any]:
        declaration = keyring_declaration(service)
        keyring = declaration.keyring()
        engine = create_async_engine(database_url(service))
        store = _store(declaration)
        try:
            report = await rewrap(engine, declaration, keyring, batch_size=batch_size, on_batch=progress, store=store)
            current = await keyring.current_kek()
        finally:
            await engine.dispose()
            await keyring.aclose()
            if store is not None:
                await store.close()
        return {
            "service": service,
            "current": current,
            "rewrapped": report.rewrapped,
            "failures": report.failures,
            "remaining": report.remaining,
            "complete": report.complete,
        }

    result = _run(run)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        typer.echo(f"{service}: {result['rewrapped']} re-wrapped under {result['current']}")
        for failure in result["failures"]:
            typer.echo(f"  would not open: {failure}", err=True)
        left = {table: kids for table, kids in result["remaining"].items() if kids}
        typer.echo("complete: the old KEKs may be removed" if result["complete"] else f"left under other KEKs: {left}; run again")
    if not result["complete"]:
        raise typer.Exit(1)


def _erasure_services(service: str | None) -> list[str]:
    if service:
        return [_check(service)]
    chosen = [s for s in SERVICES if os.environ.get(f"ABRI_{s.upper()}_LEDGER_URL")]
    if not chosen:
        raise typer.BadParameter("no ABRI_<SERVICE>_LEDGER_URL is set")
    return chosen


@erasures.command("status")
def erasures_status(
    service: Annotated[str | None, typer.Argument(help="A service (default: every service whose ledger URL is set).")] = None,
    as_json: Json = False,
) -> None:
    """The ledger's erasures per namespace, and how many erased subjects still have a key (0, or run reapply).
    Exits 1 when any key of an erased subject is found."""

    async def one(name: str) -> dict[str, Any]:
        declaration = keyring_declaration(name)
        ledger, store = ErasureLedger(ledger_url(name)), PostgresKeyStore(keystore_url(name))
        try:
            counts = await ledger.counts()
            left = await keys_left(declaration, ledger, store)
        finally:
            await ledger.close()
            await store.close()
        return {
            "service": name,
            "namespaces": {
                ns: {
                    "erased": int(str(counts.get(ns, {}).get("erased", 0))),
                    "last": str(counts.get(ns, {}).get("last") or ""),
                    "keys_left": left[ns],
                }
                for ns in declaration.keystore
            },
        }

    async def run() -> list[dict[str, Any]]:
        return [await one(name) for name in _erasure_services(service)]

    result = _run(run)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        for item in result:
            for ns, row in item["namespaces"].items():
                typer.echo(
                    f"{item['service']:<14} {ns:<16} erased {row['erased']:>7}  last {row['last'] or '-'}  keys left {row['keys_left']}"
                )
    if any(row["keys_left"] for item in result for row in item["namespaces"].values()):
        typer.echo("keys of erased subjects are back (a restore?): run `abri-ops erasures reapply`", err=True)
        raise typer.Exit(1)


@erasures.command("reapply")
def erasures_reapply(
    service: Annotated[str | None, typer.Argument(help="A service (default: every service whose ledger URL is set).")] = None,
    as_json: Json = False,
) -> None:
    """After any restore: shred again every key the erasure ledger lists, then empty again what the service's
    declaration says an erasure empties in its database. Idempotent."""

    async def one(name: str) -> dict[str, Any]:
        declaration = keyring_declaration(name)
        ledger, store = ErasureLedger(ledger_url(name)), PostgresKeyStore(keystore_url(name))
        engine = create_async_engine(database_url(name)) if os.environ.get(f"ABRI_{name.upper()}_DATABASE_URL") else None
        try:
            report = await reapply(declaration, ledger, store, engine)
        finally:
            await ledger.close()
            await store.close()
            if engine is not None:
                await engine.dispose()
        return {"service": name, "database": engine is not None, **asdict(report)}

    async def run() -> list[dict[str, Any]]:
        return [await one(name) for name in _erasure_services(service)]

    result = _run(run)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for item in result:
        for ns, listed in item["ledger"].items():
            typer.echo(f"{item['service']:<14} {ns:<16} in the ledger {listed:>7}  keys shredded again {item['keys_shredded'][ns]}")
        for what, n in item["rows_emptied"].items():
            typer.echo(f"{item['service']:<14} {what:<30} rows emptied again {n}")
        if not item["database"]:
            typer.echo(
                f"{item['service']}: ABRI_{item['service'].upper()}_DATABASE_URL not set: the database was not emptied again", err=True
            )


@app.command("rewind")
def rewind_command(
    service: Service,
    to: Annotated[datetime, typer.Option("--to", help="The backup's moment, with its zone (2026-12-06T08:00:00+00:00).")],
    as_json: Json = False,
) -> None:
    """After restoring the service's database from a backup: move its consumer group back to what the
    restored inbox last applied (and no later than the moment given), so that it applies again the events
    it had applied since (its inbox skips those the backup held). Stop the service first (scale it to 0):
    Kafka refuses while the group has members. Reads ABRI_<SERVICE>_DATABASE_URL."""
    _check(service)
    if to.tzinfo is None:
        raise typer.BadParameter("give the moment's time zone, e.g. 2026-12-06T08:00:00+00:00")

    async def run() -> list[Rewound]:
        engine = create_async_engine(database_url(service))
        try:
            applied = await applied_offsets(engine, consumer_group(service))
        finally:
            await engine.dispose()
        return await rewind(kafka_settings(service), consumer_group(service), consumed_topics(service), to, applied)

    try:
        rows = [asdict(row) for row in _run(run)]
    except GroupActive as exc:
        typer.echo(f"abri-ops: {exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['topic']}/{row['partition']:<3} was {'-' if row['was'] is None else row['was']:>8}  now {row['now']:>8}")
    again = sum((r["was"] or 0) - r["now"] for r in rows)
    typer.echo(f"{consumer_group(service)}: {again} event(s) to apply again (the inbox skips those it holds)")


if __name__ == "__main__":
    app()
