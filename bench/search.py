"""Search benchmark: ``GET /v1/search/units`` through the listings service against the same query on the database.

10,000 published units (``--units``) are seeded straight into the listings database (owner
``bench-search``; removed before seeding and at the end), around five French cities, or with
``--spread france`` over every commune of France in proportion to its population; the report counts the
published units in each query's circle (what the query's scan reads). The query: three filters and a radius,
``min_rooms=2&max_total_cents=90000&available_by=2027-06-30`` within 15 km of a city centre (the five
centres in turn), default sort, pages of 20.

Service: uvicorn (httptools, uvloop when installed), one worker, its search pool (``2 × pool_size``
connections, 10 by default), on 127.0.0.1; load: ``wrk -t2 -c32`` (Debian package ``wrk``). Direct: the
SQL text and arguments of ``search_sql`` (exactly what the service sends),
run with raw asyncpg (on uvloop, as the service) by 32 asyncio workers over a pool of 10 connections (the
service's maximum), each fetch timed with ``perf_counter`` (pool wait included, as the service's queueing
is in wrk's figures). Both sides for the same time in the same run, then both again with one connection
for the latency of a request alone. The ids of each query's page are checked equal on both sides first.
Also reported: CPU milliseconds per request of the service, PostgreSQL (server and backends, read from
``/proc``) and the client, the sessions PostgreSQL opened, and generic versus custom plans (direct side).

Usage: ``python -m bench.search --seconds 10`` (part of ``make bench``), with PostgreSQL and Kafka up;
``--pool-size`` and ``--workers`` change the service's pool and uvicorn workers (the direct pool follows).
Goals (issue 22): service ≥ 70 % of the direct requests/s at 32 connections; PostgreSQL's CPU per query
≤ 0.3 ms (direct side); p99 ≤ 20 ms through the service at one connection; the service's resident memory
≤ 500 MB at the end. ``make bench`` runs it at 10,000 and at 100,000 units over France, to show how the
cost grows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx

from abri_kit.communes import communes, distance_km
from abri_listings.api.search import SearchParams
from abri_listings.domain.policy import ListingsPolicy
from abri_listings.domain.position import public_position
from abri_listings.search.query import Near, bounding_box, search_sql
from bench.gateway import MEMORY_GOAL_MIB, _ms, resident_mib, start
from tests.oidc_issuer import TestIssuer, serving
from tests.support import PYTHON, credentials, free_port, kafka_bootstrap

OWNER = "bench-search"
UNITS = 10_000
SERVICE_OVER_DIRECT_GOAL = 0.7
POSTGRES_CPU_GOAL_MS = 0.3
ONE_CONNECTION_P99_GOAL_MS = 20.0
CONNECTIONS = 32
POOL_SIZE = 5
"""The service's ``db_pool_size`` (its default); it may open as many again as overflow (abri_kit.db), so the
direct side gets a pool of twice this size: the service's maximum."""
GRID = ListingsPolicy().position_grid_deg
FILTERS = {"min_rooms": 2, "max_total_cents": 90_000, "available_by": "2027-06-30", "radius_km": 15.0}


@dataclass(frozen=True)
class Commune:
    name: str
    insee: str
    postal: str
    departement: str
    latitude: float
    longitude: float
    weight: int


METROS: dict[str, tuple[Commune, ...]] = {
    "Lyon": (
        Commune("Lyon", "69123", "69003", "69", 45.7640, 4.8357, 6),
        Commune("Villeurbanne", "69266", "69100", "69", 45.7719, 4.8902, 2),
        Commune("Vénissieux", "69259", "69200", "69", 45.6975, 4.8867, 2),
    ),
    "Lille": (
        Commune("Lille", "59350", "59000", "59", 50.6292, 3.0573, 6),
        Commune("Roubaix", "59512", "59100", "59", 50.6942, 3.1746, 2),
        Commune("Villeneuve-d'Ascq", "59009", "59650", "59", 50.6233, 3.1450, 2),
    ),
    "Nantes": (
        Commune("Nantes", "44109", "44000", "44", 47.2184, -1.5536, 6),
        Commune("Saint-Herblain", "44162", "44800", "44", 47.2122, -1.6497, 2),
        Commune("Rezé", "44143", "44400", "44", 47.1833, -1.5500, 2),
    ),
    "Toulouse": (
        Commune("Toulouse", "31555", "31000", "31", 43.6047, 1.4442, 6),
        Commune("Blagnac", "31069", "31700", "31", 43.6370, 1.3900, 2),
        Commune("Colomiers", "31149", "31770", "31", 43.6112, 1.3358, 2),
    ),
    "Bordeaux": (
        Commune("Bordeaux", "33063", "33000", "33", 44.8378, -0.5792, 6),
        Commune("Mérignac", "33281", "33700", "33", 44.8386, -0.6436, 2),
        Commune("Pessac", "33318", "33600", "33", 44.8067, -0.6311, 2),
    ),
}
ACCESSIBILITY = ("step_free_access", "accessible_bathroom", "wide_doors", "lift_access")
SCHEMES = (
    "intermediated_letting",
    "management_mandate",
    "sliding_lease",
    "loc_avantages_1",
    "loc_avantages_2",
    "loc_avantages_3",
    "direct_lease",
)
ENERGY = {"A": (40, 70), "B": (70, 110), "C": (110, 180), "D": (180, 250), "E": (250, 330), "F": (330, 420)}
COLUMNS = (
    "id",
    "owner_id",
    "status",
    "version",
    "street",
    "postal_code",
    "commune",
    "insee_code",
    "departement",
    "latitude",
    "longitude",
    "public_latitude",
    "public_longitude",
    "position_grid_deg",
    "kind",
    "rooms",
    "living_area_m2",
    "ceiling_height_m",
    "floor",
    "elevator",
    "accessibility",
    "furnished",
    "rent_cents",
    "charges_cents",
    "deposit_cents",
    "energy_class",
    "primary_energy_kwh",
    "emissions_kg",
    "final_energy_kwh",
    "dpe_date",
    "schemes",
    "available_from",
    "minimum_duration_months",
    "description",
    "published_at",
)


SPREADS = ("cities", "france")
"""Where the units are: around the five cities (4 km around each of their communes), or over every commune of
France in proportion to its population (1 to 5 km around it, wider for larger communes)."""


def where(rng: random.Random, spread: str) -> tuple[Commune, float]:
    """A commune and the spread (km) of the units around it."""
    if spread == "france":
        table, weights = france()
        commune = rng.choices(table, cum_weights=weights)[0]
        return commune, 1.0 + 4.0 * min(1.0, commune.weight / 1_000_000)
    communes = METROS[rng.choice(list(METROS))]
    return rng.choices(communes, weights=[c.weight for c in communes])[0], 4.0


@functools.lru_cache(maxsize=1)
def france() -> tuple[list[Commune], list[int]]:
    """Every commune of the official table with its population (its weight) and the cumulated weights."""
    table = [
        Commune(c.name, c.insee_code, c.postal_codes[0], c.departement, c.latitude, c.longitude, c.population)
        for c in communes()
        if c.population > 0 and c.parent is None and c.postal_codes
    ]
    return table, list(itertools.accumulate(c.weight for c in table))


def unit(rng: random.Random, now: datetime, spread: str = "cities") -> tuple[Any, ...]:
    """One published unit (around one of the cities, or anywhere in France), with the column values of :data:`COLUMNS`."""
    commune, spread_km = where(rng, spread)
    north_km, east_km = rng.gauss(0, spread_km), rng.gauss(0, spread_km)
    latitude = commune.latitude + north_km / 111.2
    longitude = commune.longitude + east_km / (111.2 * math.cos(math.radians(commune.latitude)))
    rooms = rng.choices((1, 2, 3, 4, 5), weights=(25, 30, 25, 13, 7))[0]
    kind = rng.choice(("studio", "room")) if rooms == 1 else rng.choices(("apartment", "house"), weights=(8, 2))[0]
    area = round(rooms * rng.uniform(13, 22) + rng.uniform(0, 8), 1)
    floor = 0 if kind == "house" else rng.randint(0, 8)
    elevator = floor >= 3 and rng.random() < 0.8
    accessibility = [feature for feature in ACCESSIBILITY if rng.random() < 0.15 and (feature != "lift_access" or elevator)]
    if floor == 0:
        accessibility.append("ground_floor")
    rent = int(area * rng.uniform(9, 15) * 100)
    energy_class = rng.choices(list(ENERGY), weights=(3, 8, 25, 30, 22, 12))[0]
    primary = rng.uniform(*ENERGY[energy_class])
    return (
        uuid.UUID(int=rng.getrandbits(128), version=4),
        OWNER,
        "published",
        1,
        f"{rng.randint(1, 120)} rue du Banc d'Essai",
        commune.postal,
        commune.name,
        commune.insee,
        commune.departement,
        latitude,
        longitude,
        *public_position(latitude, longitude, GRID),
        GRID,
        kind,
        rooms,
        area,
        round(rng.uniform(2.3, 3.1), 2),
        floor,
        elevator,
        accessibility,
        rng.random() < 0.3,
        rent,
        rng.randrange(3_000, 15_000, 500),
        rent,
        energy_class,
        round(primary, 1),
        round(primary * rng.uniform(0.05, 0.2), 1),
        round(primary * rng.uniform(0.6, 0.9), 1) if rng.random() < 0.7 else None,
        date(2024, 1, 1) + timedelta(days=rng.randint(0, 1000)),
        sorted(rng.sample(SCHEMES, rng.randint(1, 3))),
        date(2026, 11, 1) + timedelta(days=rng.randint(0, 420)),
        rng.choice((None, 12, 36)),
        json.dumps({"fr": f"{kind} de {rooms} pièce(s), {area} m², à {commune.name}."}),
        now - timedelta(days=rng.uniform(0, 180)),
    )


async def seed(conn: asyncpg.Connection, units: int, spread: str = "cities") -> None:
    """Replace the benchmark's units, then vacuum (no dead rows in the scans) and refresh the planner's statistics."""
    await conn.execute("DELETE FROM units WHERE owner_id = $1", OWNER)
    rng, now = random.Random(2026), datetime.now(UTC)
    await conn.copy_records_to_table("units", records=[unit(rng, now, spread) for _ in range(units)], columns=COLUMNS)
    await conn.execute("VACUUM ANALYZE units")


def queries() -> list[dict[str, Any]]:
    """The benchmark's query around each city's centre; both sides take them in turn."""
    return [{"lat": metro[0].latitude, "lon": metro[0].longitude, **FILTERS} for metro in METROS.values()]


def direct_statement(params: dict[str, Any], sort: str) -> tuple[str, list[Any]]:
    """The service's statement for these query parameters, as it goes to asyncpg: SQL text and arguments."""
    search = SearchParams.model_validate({**params, "sort": sort})
    return search_sql(search.filters(), search.sort, search.limit, None, GRID)


async def in_circle(conn: asyncpg.Connection, query: dict[str, Any]) -> int:
    """How many published units a query's circle holds, whatever the other filters (what its scan reads)."""
    near = Near(query["lat"], query["lon"], query["radius_km"])
    box = bounding_box(near)
    rows = await conn.fetch(
        "SELECT public_latitude, public_longitude FROM units WHERE status = 'published'"
        " AND public_latitude BETWEEN $1 AND $2 AND public_longitude BETWEEN $3 AND $4",
        box["lat_min"], box["lat_max"], box["lon_min"], box["lon_max"],
    )  # fmt: skip
    return sum(distance_km(near.latitude, near.longitude, row[0], row[1]) <= near.radius_km for row in rows)


def wrk(url: str, paths: list[str], token: str, seconds: int, connections: int) -> dict[str, float]:
    """wrk over ``paths`` in turn (2 threads, or 1 for one connection); requests/s and p50/p99 in ms."""
    lua = (
        'wrk.headers["Authorization"] = "Bearer " .. os.getenv("ABRI_BENCH_TOKEN")\n'
        f"local paths = {{{', '.join(json.dumps(path) for path in paths)}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = subprocess.run(
            ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout=30s", "--latency", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "ABRI_BENCH_TOKEN": token},
            timeout=seconds + 60,
        ).stdout
    finally:
        Path(script.name).unlink()
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise RuntimeError(f"{url}: failed requests:\n{out}")
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
    }


async def direct(pool: asyncpg.Pool, statements: list[tuple[str, list[Any]]], seconds: float, workers: int) -> dict[str, float]:
    """``workers`` asyncio tasks fetching the statements in turn for ``seconds``; requests/s, p50/p99 in ms, hits per page."""
    latencies: list[float] = []
    hits = 0
    turn = itertools.count()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal hits
        while time.perf_counter() < deadline:
            sql, args = statements[next(turn) % len(statements)]
            started = time.perf_counter()
            rows = await pool.fetch(sql, *args)
            latencies.append(time.perf_counter() - started)
            hits += min(len(rows), 20)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] * 1000,
        "hits_per_page": hits / len(latencies),
    }


async def sessions_opened(conn: asyncpg.Connection) -> int:
    """Sessions the listings database has opened so far (cumulative statistics)."""
    await asyncio.sleep(1.5)  # backends flush their statistics within a second or so
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    return int(await conn.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, of its live descendants and of those it has reaped (Linux ``/proc``)."""
    fields = _stat(pid)  # after the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
    seconds = sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for child in _children(pid):
        with contextlib.suppress(FileNotFoundError):  # gone meanwhile: its time is in our cutime once reaped
            seconds += cpu_seconds(child)
    return seconds


class CpuMeter:
    """CPU seconds spent by the service, PostgreSQL (the server and every backend), the load generator and
    this process, between :meth:`mark` and :meth:`per_request_ms`; ``None`` where unreadable (a remote database)."""

    def __init__(self, service_pid: int, postgres_pid: int | None) -> None:
        self.pids = {"service": service_pid, "postgres": postgres_pid}
        self.marked: dict[str, float | None] = {}

    def read(self) -> dict[str, float | None]:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        values: dict[str, float | None] = {"bench": own.ru_utime + own.ru_stime, "wrk": children.ru_utime + children.ru_stime}
        values["wall"], values["idle"] = time.perf_counter(), machine_idle_seconds()
        for name, pid in self.pids.items():
            try:
                values[name] = cpu_seconds(pid) if pid is not None else None
            except OSError:
                values[name] = None
        return values

    def mark(self) -> None:
        self.marked = self.read()

    def per_request_ms(self, requests: float) -> dict[str, float | None]:
        """CPU milliseconds per request since :meth:`mark`, by process, and the cores left idle meanwhile."""
        now, spent = self.read(), {}
        for name, value in now.items():
            before = self.marked.get(name)
            spent[name] = None if value is None or before is None else (value - before) / requests * 1000
        wall, idle = spent.pop("wall"), spent.pop("idle")
        spent["idle_cores"] = None if wall is None or idle is None else idle / wall
        return spent


def machine_idle_seconds() -> float | None:
    """Idle time summed over the machine's cores (``/proc/stat``: idle and iowait)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")


async def plans(pool: asyncpg.Pool, size: int) -> dict[str, int]:
    """How PostgreSQL planned the prepared search statements on the pool's connections: after five runs of
    a statement it may keep one generic plan (parameters unknown) instead of planning each run."""
    totals = {"generic": 0, "custom": 0}
    async with contextlib.AsyncExitStack() as stack:  # every connection at once, so each is asked once
        for _ in range(size):
            conn = await stack.enter_async_context(pool.acquire())
            for row in await conn.fetch(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM units%'"
            ):
                totals["generic"] += int(row["generic_plans"])
                totals["custom"] += int(row["custom_plans"])
    return totals


async def postmaster(conn: asyncpg.Connection) -> int | None:
    """The PostgreSQL server's process id, when it runs on this machine."""
    try:
        return int(_stat(int(await conn.fetchval("SELECT pg_backend_pid()")))[1])
    except (OSError, ValueError):
        return None


async def _keep(conn: asyncpg.Connection) -> None:
    """No reset query when a connection goes back to the pool (SQLAlchemy's pool sends none either)."""


def cpu_check_ms() -> float:
    """A fixed pure-Python loop, best of five: shows whether the machine's speed changed between the sides."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        sum(range(1_000_000))
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


def migrate(database: str) -> None:
    subprocess.run(
        [str(PYTHON), "-m", "abri_listings.migrate"],
        env={**os.environ, "ABRI_LISTINGS_DATABASE_URL": database},
        check=True,
        timeout=300,
        capture_output=True,
    )


async def main(seconds: int, sort: str, units: int, pool_size: int, workers: int, spread: str = "cities") -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure
    database = credentials()["ABRI_LISTINGS_DATABASE_URL"]
    migrate(database)
    dsn = database.replace("postgresql+asyncpg://", "postgresql://", 1)
    params = queries()
    paths = [f"/v1/search/units?{urlencode({**query, 'sort': sort})}" for query in params]
    statements = [direct_statement(query, sort) for query in params]
    direct_pool = 2 * pool_size * workers
    admin = await asyncpg.connect(dsn)
    try:
        await seed(admin, units, spread)
        in_circles = [await in_circle(admin, query) for query in params]
        issuer = TestIssuer()
        async with serving(issuer.app(), issuer.port):
            token = issuer.token(sub=OWNER, roles=["social_worker"], org_id="assoc-1", exp=int(time.time()) + 3600)
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            service = start(
                [
                    str(PYTHON),
                    "-m",
                    "uvicorn",
                    "--factory",
                    "abri_listings.main:create_app",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                    "--workers",
                    str(workers),
                ],
                {
                    "ABRI_LISTINGS_DATABASE_URL": database,
                    "ABRI_LISTINGS_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
                    "ABRI_LISTINGS_OIDC_ISSUER": issuer.issuer,
                    "ABRI_LISTINGS_DB_POOL_SIZE": str(pool_size),
                    "ABRI_LISTINGS_SEARCH_POOL_SIZE": str(2 * pool_size),
                    "ABRI_LISTINGS_ALLOW_SAMPLE_REFERENCE_RENTS": "true",  # the shipped sample of rents, as in tests
                    # The bench's units are written straight into the database: no sweeper of this service
                    # may publish events about them (other services' read models would keep them).
                    "ABRI_LISTINGS_DEADLINE_SWEEP_S": "86400",
                    "ABRI_LISTINGS_RETENTION_SWEEP_S": "86400",
                },
                f"{url}/healthz",
            )
            try:
                pool = await asyncpg.create_pool(dsn, min_size=direct_pool, max_size=direct_pool, reset=_keep)
                try:
                    # the same ids, in the same order, on both sides (the test issuer answers from this loop: async client)
                    service_hits: list[int] = []
                    async with httpx.AsyncClient(base_url=url, timeout=10, headers={"authorization": f"Bearer {token}"}) as http:
                        for path, (sql, args) in zip(paths, statements, strict=True):
                            answer = await http.get(path)
                            answer.raise_for_status()
                            ids = [item["id"] for item in answer.json()["items"]]
                            rows = (await pool.fetch(sql, *args))[:20]
                            if ids != [str(row["id"]) for row in rows]:
                                raise RuntimeError(f"{path}: the service and the direct query disagree")
                            service_hits.append(len(ids))
                    await asyncio.to_thread(wrk, url, paths, token, 2, CONNECTIONS)  # warm up both
                    await direct(pool, statements, 2, CONNECTIONS)

                    meter = CpuMeter(service.pid, await postmaster(admin))
                    cpu_check = [cpu_check_ms()]
                    sessions = await sessions_opened(admin)
                    meter.mark()
                    through_service = await asyncio.to_thread(wrk, url, paths, token, seconds, CONNECTIONS)
                    service_cpu = meter.per_request_ms(through_service["requests"])
                    service_sessions = await sessions_opened(admin) - sessions
                    cpu_check.append(cpu_check_ms())
                    meter.mark()
                    on_database = await direct(pool, statements, seconds, CONNECTIONS)
                    direct_cpu = meter.per_request_ms(on_database["requests"])
                    cpu_check.append(cpu_check_ms())
                    meter.mark()
                    service_one = await asyncio.to_thread(wrk, url, paths, token, seconds, 1)
                    service_one_cpu = meter.per_request_ms(service_one["requests"])
                    meter.mark()
                    direct_one = await direct(pool, statements, seconds, 1)
                    direct_one_cpu = meter.per_request_ms(direct_one["requests"])
                    direct_plans = await plans(pool, direct_pool)
                    resident = resident_mib(service)
                finally:
                    await pool.close()
            finally:
                service.terminate()
                service.wait(timeout=20)
    finally:
        await admin.execute("DELETE FROM units WHERE owner_id = $1", OWNER)
        await admin.close()
    ratio = through_service["requests_per_s"] / on_database["requests_per_s"]
    return {
        "service": {
            **through_service,
            "hits_per_page": sum(service_hits) / len(service_hits),
            "db_sessions_opened": service_sessions,
            "cpu_ms_per_request": {name: service_cpu[name] for name in ("service", "postgres", "wrk")},
            "idle_cores": service_cpu["idle_cores"],
        },
        "direct": {
            **on_database,
            "cpu_ms_per_query": {name: direct_cpu[name] for name in ("bench", "postgres")},
            "idle_cores": direct_cpu["idle_cores"],
            "plans_of_all_runs": direct_plans,
        },
        "service_over_direct": ratio,
        "one_connection": {
            "service": {**service_one, "cpu_ms_per_request": {name: service_one_cpu[name] for name in ("service", "postgres", "wrk")}},
            "direct": {**direct_one, "cpu_ms_per_query": {name: direct_one_cpu[name] for name in ("bench", "postgres")}},
            "service_over_direct": service_one["requests_per_s"] / direct_one["requests_per_s"],
        },
        "goals": {
            "service_over_direct_at_least_0.7": ratio >= SERVICE_OVER_DIRECT_GOAL,
            "postgres_cpu_ms_per_query_at_most_0.3": (direct_cpu["postgres"] or math.inf) <= POSTGRES_CPU_GOAL_MS,
            "one_connection_p99_at_most_20_ms": service_one["p99_ms"] <= ONE_CONNECTION_P99_GOAL_MS,
            "service_resident_memory_mib": resident,
            "memory_at_most_500_mib": resident <= MEMORY_GOAL_MIB,
        },
        "query": {**FILTERS, "sort": sort, "limit": 20, "points": list(METROS)},
        "units": units,
        "spread": spread,
        "units_published_in_each_circle": in_circles,
        "connections": CONNECTIONS,
        "service_workers": workers,
        "service_pool": f"search pool {2 * pool_size}" + (f", in each of {workers} workers" if workers > 1 else ""),
        "direct_pool": direct_pool,
        "load_average_before": load_before,
        "cpu_check_ms": {"before_service": cpu_check[0], "before_direct": cpu_check[1], "after_direct": cpu_check[2]},
        "seconds": seconds,
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--sort", choices=("available_from", "distance"), default="available_from")
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--spread", choices=SPREADS, default="cities", help="units around the five cities, or over France by population")
    parser.add_argument("--pool-size", type=int, default=POOL_SIZE, help="the service's ABRI_LISTINGS_DB_POOL_SIZE")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (the direct pool grows with them)")
    arguments = parser.parse_args()
    try:  # the direct side on the event loop the service runs on (uvicorn picks uvloop when installed)
        import uvloop

        loop_factory: Any = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        figures = runner.run(
            main(arguments.seconds, arguments.sort, arguments.units, arguments.pool_size, arguments.workers, arguments.spread)
        )
    print(json.dumps(figures, indent=2))
