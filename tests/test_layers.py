"""The layers of every service, read from the source (nothing runs): each kind of code in its one place.

- ``domain/``: the rules, free of I/O: no database, web, Kafka or HTTP client library.
- ``db/``: the tables, and in ``db/repositories/`` the repositories (tenant scoping built in); they know
  no caller but a Principal.
- ``usecases/``: one function per command and query, taking a Context (unit of work, caller, instant);
  framework-free: no FastAPI, no Kafka.
- ``api/`` and ``events/``: thin adapters (parse, call a use case, render). No SQL there: no SQLAlchemy,
  no session, no outbox, no repository; they reach the data only through ``usecases/``.
- No service imports another service: they talk over Kafka.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from abri_contracts.services import SERVICES

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
LAYERED = SERVICES
"""Services whose routes and handlers go through use cases: all of them."""

IO_LIBRARIES = ("sqlalchemy", "fastapi", "starlette", "httpx", "aiokafka", "asyncpg", "abri_bus", "abri_kit", "aiosmtplib")
PURE_KIT = ("abri_kit.legal", "abri_kit.calendar")
"""Kit modules that are data and pure functions only (a coded refusal's shape, the French calendar's days): a
domain may use them."""
FRAMEWORKS = ("fastapi", "starlette", "aiokafka")
SQL_CALLS = frozenset({"execute", "scalars", "scalar", "scalar_one", "scalar_one_or_none", "flush", "with_for_update"})
"""Calls that only code talking to the database makes."""


@dataclass(frozen=True)
class Module:
    service: str
    path: Path
    tree: ast.Module

    @property
    def layer(self) -> str:
        parts = self.path.relative_to(REPO / "services" / self.service / f"abri_{self.service}").parts
        return parts[0] if len(parts) > 1 else ""

    def imports(self) -> Iterator[tuple[int, str]]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield node.lineno, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"

    def calls(self) -> Iterator[tuple[int, str]]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                yield node.lineno, name

    def where(self, line: int) -> str:
        return f"{self.path.relative_to(REPO)}:{line}"


def modules(service: str) -> list[Module]:
    package = REPO / "services" / service / f"abri_{service}"
    return [
        Module(service, path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(package.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def starts(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service: str) -> None:
    others = tuple(f"abri_{other}" for other in SERVICES if other != service)
    found = [f"{m.where(line)} imports {name}" for m in modules(service) for line, name in m.imports() if starts(name, *others)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", SERVICES)
def test_domain_is_free_of_io(service: str) -> None:
    own = f"abri_{service}"
    found = [
        f"{m.where(line)} imports {name}"
        for m in modules(service)
        if m.layer == "domain"
        for line, name in m.imports()
        if (starts(name, *IO_LIBRARIES) and not starts(name, *PURE_KIT)) or (starts(name, own) and not starts(name, f"{own}.domain"))
    ]
    assert not found, "\n".join(found)


ADAPTERS = ("api", "events", "")
"""Where no SQL goes: the routes, the handlers, and the modules at the package's root (the app, the
settings, the sweepers that open a transaction and call a use case)."""


@pytest.mark.parametrize("service", LAYERED)
def test_routes_and_handlers_hold_no_sql(service: str) -> None:
    own = f"abri_{service}"
    found: list[str] = []
    for m in modules(service):
        if m.layer not in ADAPTERS or m.path.name == "migrate.py":  # the migrations runner drives Alembic
            continue
        found += [
            f"{m.where(line)} imports {name}"
            for line, name in m.imports()
            if starts(name, "sqlalchemy.orm", "sqlalchemy.sql", "abri_bus.outbox", "abri_kit.db", "abri_kit.repository", "asyncpg")
            or name in ("sqlalchemy", "sqlalchemy.select", "sqlalchemy.text")
            or starts(name, f"{own}.db.repositories")  # the tables' classes may name a type; their rows come from a use case
        ]
        found += [f"{m.where(line)} calls {name}()" for line, name in m.calls() if name in SQL_CALLS]
    assert not found, "SQL belongs in db/ and usecases/, not in routes or handlers:\n" + "\n".join(found)


@pytest.mark.parametrize("service", LAYERED)
def test_use_cases_know_no_framework_and_no_adapter(service: str) -> None:
    own = f"abri_{service}"
    found = [
        f"{m.where(line)} imports {name}"
        for m in modules(service)
        if m.layer == "usecases"
        for line, name in m.imports()
        if starts(name, *FRAMEWORKS, "abri_kit.dependencies", "abri_kit.problems", f"{own}.api", f"{own}.events")
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", SERVICES)
def test_repositories_do_not_reach_up(service: str) -> None:
    own = f"abri_{service}"
    found = [
        f"{m.where(line)} imports {name}"
        for m in modules(service)
        if m.layer == "db"
        for line, name in m.imports()
        if starts(name, f"{own}.api", f"{own}.events", f"{own}.usecases", *FRAMEWORKS)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("service", SERVICES)
def test_repositories_live_in_db_repositories(service: str) -> None:
    found = [
        f"{m.where(node.lineno)} defines {node.name}"
        for m in modules(service)
        if m.path.parent.name != "repositories" or m.layer != "db"
        for node in ast.walk(m.tree)
        if isinstance(node, ast.ClassDef) and any("ScopedRepository" in ast.unparse(base) for base in node.bases)
    ]
    assert not found, "a repository goes in db/repositories/:\n" + "\n".join(found)


@pytest.mark.parametrize("service", LAYERED)
def test_every_layer_has_its_folder(service: str) -> None:
    package = REPO / "services" / service / f"abri_{service}"
    assert all((package / layer / "__init__.py").exists() for layer in ("api", "db", "domain", "events", "usecases"))


def test_the_check_finds_sql_in_a_route() -> None:
    route = ast.parse("import sqlalchemy as sa\nasync def r(session):\n    await session.execute(sa.select(1))\n")
    module = Module("listings", REPO / "services/listings/abri_listings/api/x.py", route)
    assert ("sqlalchemy" in [name for _, name in module.imports()]) and ("execute" in [name for _, name in module.calls()])
