"""Tenant scoping made the easy path: every query of a tenant's data goes through these helpers.

A resource belongs to an owner (``owner_id`` = the owner's subject) or to an organisation
(``org_id`` = the association or fund). Reading someone else's resource answers 404, never 403, so
that its existence is not revealed. Ops may be allowed to read across tenants where the service says
so (``ops_reads_all=True``), never by default.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.principal import Principal

T = TypeVar("T")


class NotFound(Exception):
    """The resource does not exist for this caller (whether it exists for someone else or not)."""

    def __init__(self, kind: str, identifier: object) -> None:
        super().__init__(f"{kind} {identifier} was not found")
        self.kind = kind
        self.identifier = identifier


ORG_WIDE_ROLES = frozenset({"social_worker", "fund_agent", "partner"})
"""Roles that act for their whole organisation. A household also carries its association's ``org_id``,
but must never read the organisation's other rows: it reads only what is keyed by its own subject."""


def tenant_filter(
    principal: Principal,
    *,
    owner_column: Any | None = None,
    org_column: Any | None = None,
    ops_reads_all: bool = False,
    org_roles: frozenset[str] = ORG_WIDE_ROLES,
) -> ColumnElement[bool]:
    """The WHERE clause restricting rows to the caller: its own rows (``owner_column`` = subject) or, for
    a role in ``org_roles``, its organisation's (``org_column`` = org_id). A caller with neither sees nothing."""
    from sqlalchemy import or_, true

    if ops_reads_all and principal.has_role("ops"):
        return true()
    clauses: list[ColumnElement[bool]] = []
    if owner_column is not None:
        clauses.append(owner_column == principal.subject)
    if org_column is not None and principal.org_id and principal.has_role(*org_roles):
        clauses.append(org_column == principal.org_id)
    return or_(*clauses) if clauses else false()


def scoped(statement: Select[Any], principal: Principal, **columns: Any) -> Select[Any]:
    """``statement`` restricted to the caller's rows (see :func:`tenant_filter` for the keywords)."""
    return statement.where(tenant_filter(principal, **columns))


async def get_scoped(
    session: AsyncSession,
    model: type[T],
    identifier: object,
    principal: Principal,
    *,
    owner_attr: str | None = None,
    org_attr: str | None = None,
    ops_reads_all: bool = False,
    for_update: bool = False,
) -> T:
    """The caller's ``model`` row with primary key ``identifier``; :class:`NotFound` if absent or not theirs."""
    mapper: Any = model
    primary_key = mapper.__mapper__.primary_key[0]
    statement = select(model).where(primary_key == identifier)
    statement = scoped(
        statement,
        principal,
        owner_column=getattr(model, owner_attr) if owner_attr else None,
        org_column=getattr(model, org_attr) if org_attr else None,
        ops_reads_all=ops_reads_all,
    )
    if for_update:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound(model.__name__, identifier)
    return row
