"""A test reads one clock. Where a test runs an app on a clock it controls (the guarantees service's
``api`` fixture and ``serve``), every time it builds (an event's ``ended_at``, a deadline) comes from that
clock, never from the wall clock: a test that mixes the two passes on the day it lands and fails on a later
day (the time-shifted runs of ``make test-timeshift`` catch the rest)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
TESTS = Path(__file__).resolve().parent
CONTROLLED = {"api", "serve", "served"}  # names under which tests hold an app on a controlled clock
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"), ("time", "time")}


def wall_clock_reads(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[int]:
    """Lines where ``function`` reads the wall clock."""
    return [
        node.lineno
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and (node.func.value.id, node.func.attr) in WALL_CLOCK
    ]


def gives_a_clock(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``function`` builds an app on a clock of its own (``create_app(settings, clock=...)``)."""
    return any(isinstance(node, ast.Call) and any(k.arg == "clock" for k in node.keywords) for node in ast.walk(function))


def on_a_controlled_clock(function: ast.FunctionDef | ast.AsyncFunctionDef, *, guarantees_support: bool) -> bool:
    """Whether ``function`` takes, starts or builds an app whose clock the test controls."""
    if gives_a_clock(function):
        return True
    if not guarantees_support:
        return False
    arguments = {argument.arg for argument in [*function.args.args, *function.args.kwonlyargs]}
    called = {node.func.id for node in ast.walk(function) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    return bool(arguments & CONTROLLED) or "serve" in called


def mixed_clocks(source: str, name: str) -> list[str]:
    """``path:line`` of every wall-clock read inside a function on a controlled clock."""
    tree = ast.parse(source)
    imports_the_support = any(isinstance(node, ast.ImportFrom) and node.module == "tests.guarantees.support" for node in ast.walk(tree))
    guarantees_support = imports_the_support or name.endswith("guarantees/support.py")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and on_a_controlled_clock(node, guarantees_support=guarantees_support):
            found += [f"{name}:{line} ({node.name})" for line in wall_clock_reads(node)]
    return found


def test_no_test_on_a_controlled_clock_reads_the_wall_clock() -> None:
    offenders = [hit for path in sorted(TESTS.rglob("*.py")) for hit in mixed_clocks(path.read_text(encoding="utf-8"), str(path))]
    assert offenders == [], "build times from the app's clock (the fixture's Clock), not the wall clock"


def test_the_check_finds_a_wall_clock_read_beside_a_controlled_clock() -> None:
    source = (
        "from tests.guarantees.support import Api\n"
        "async def test_x(api: Api) -> None:\n"
        "    app, client, clock = api\n"
        "    ended = datetime.now(UTC)\n"
        "async def test_y(issuer) -> None:\n"
        "    async with serve(issuer) as (app, client, clock):\n"
        "        at = date.today()\n"
        "async def test_z(other) -> None:\n"
        "    at = datetime.now(UTC)\n"
    )
    assert mixed_clocks(source, "t.py") == ["t.py:4 (test_x)", "t.py:7 (test_y)"]
    own_clock = "async def test_w(issuer) -> None:\n    app = create_app(settings, clock=lambda: START)\n    t = time.time()\n"
    assert mixed_clocks(own_clock, "w.py") == ["w.py:3 (test_w)"]  # any service built on a clock of the test's own
