"""Repositories with tenant scoping built in: the only way a use case reaches a table.

A repository is obtained for a caller (``Units.of(ctx)``): every query it makes is restricted to the
caller's rows (``owner_id`` = its subject, or its organisation's rows for an organisation-wide role;
ops may read across tenants where the repository says so, never change). A row of someone else is
:class:`NotFound` (404), as if it did not exist, so a new query cannot forget the tenant. Event handlers
and sweepers act for the service itself and ask for it by name: ``Units.for_system(uow)``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.principal import Principal
from abri_auth.scoping import ORG_WIDE_ROLES, NotFound, tenant_filter
from abri_kit.pagination import PageRequest, keyset_page
from abri_kit.usecase import Context, UnitOfWork

M = TypeVar("M")
R = TypeVar("R", bound="ScopedRepository[Any]")


class ScopedRepository(Generic[M]):
    """Rows of :attr:`model` the caller may see. Subclasses name the model and its tenant columns, and add
    the queries their use cases need, each built on :meth:`select` (already scoped)."""

    model: ClassVar[type[Any]]
    owner_column: ClassVar[str | None] = None
    org_column: ClassVar[str | None] = None
    ops_reads_all: ClassVar[bool] = False
    org_roles: ClassVar[frozenset[str]] = ORG_WIDE_ROLES
    kind: ClassVar[str] = ""
    """How a 404 names the resource (the model's name when empty)."""

    def __init__(self, session: AsyncSession, principal: Principal | None) -> None:
        self.session = session
        self.principal = principal  # None: the service itself (events, schedules), unscoped

    @classmethod
    def of(cls: type[R], ctx: Context) -> R:
        """The repository of the caller of ``ctx``."""
        return cls(ctx.uow.session, ctx.principal)

    @classmethod
    def for_system(cls: type[R], uow: UnitOfWork) -> R:
        """Every row, for the service itself (an event handler, a sweeper): never for a caller's request."""
        return cls(uow.session, None)

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        if self.principal is None:
            return sa.true()
        return tenant_filter(
            self.principal,
            owner_column=getattr(self.model, self.owner_column) if self.owner_column else None,
            org_column=getattr(self.model, self.org_column) if self.org_column else None,
            ops_reads_all=self.ops_reads_all and not writing,
            org_roles=self.org_roles,
        )

    def select(self, *, writing: bool = False) -> sa.Select[Any]:
        """``SELECT model`` restricted to the caller's rows (``writing``: rows it may change)."""
        return sa.select(self.model).where(self._filter(writing=writing))

    def where_visible(self, statement: sa.Select[Any], *, writing: bool = False) -> sa.Select[Any]:
        """Any statement on :attr:`model` (a join, a count), restricted to the caller's rows."""
        return statement.where(self._filter(writing=writing))

    async def find(self, identifier: object, *, for_update: bool = False) -> M | None:
        """The row with primary key ``identifier`` if the caller may see it (``for_update``: locked, and only
        if the caller may change it)."""
        primary_key = self.model.__mapper__.primary_key[0]
        statement = self.select(writing=for_update).where(primary_key == identifier)
        if for_update:
            statement = statement.with_for_update()
        row: M | None = (await self.session.execute(statement)).scalar_one_or_none()
        return row

    async def find_many(self, identifiers: Collection[object]) -> list[M]:
        """The rows with these primary keys that the caller may see, in no set order (one query)."""
        if not identifiers:
            return []
        primary_key = self.model.__mapper__.primary_key[0]
        return list((await self.session.scalars(self.select().where(primary_key.in_(list(identifiers))))).all())

    async def get(self, identifier: object, *, for_update: bool = False) -> M:
        """As :meth:`find`, but :class:`NotFound` (404) when absent or not the caller's."""
        row = await self.find(identifier, for_update=for_update)
        if row is None:
            raise NotFound(self.kind or self.model.__name__, identifier)
        return row

    async def page(
        self,
        request: PageRequest,
        keys: Sequence[Any],
        *,
        where: Sequence[sa.ColumnElement[bool]] = (),
        descending: bool = False,
    ) -> tuple[list[M], str | None]:
        """One page of the caller's rows matching ``where``, ordered by ``keys`` (end with the primary key)."""
        return await keyset_page(self.session, self.select().where(*where), keys, request, descending=descending)

    async def count_by(self, column: Any, *, where: Sequence[sa.ColumnElement[bool]] = ()) -> dict[str, int]:
        """How many of the caller's rows matching ``where`` have each value of ``column`` (a status), counted
        by the database in one query, so a page's counts are true however long its lists; values with no row
        are left out."""
        counting = self.where_visible(sa.select(column, sa.func.count()).select_from(self.model).group_by(column)).where(*where)
        return {str(value): int(count) for value, count in (await self.session.execute(counting)).all()}

    def add(self, row: M) -> M:
        """A new row, in the caller's transaction."""
        self.session.add(row)
        return row
