"""Who sees which rows here: each role through its own column. A fund's agents see what is addressed to
their fund (``fund_id`` = their ``org_id``), an association's social workers what it filed (``org_id``),
an owner what is its own (``owner_id`` = its subject). Anyone else sees nothing (404, never 403)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, TypeVar

import sqlalchemy as sa

from abri_auth.principal import Principal
from abri_kit.repository import ScopedRepository

M = TypeVar("M")
Whose = Literal["subject", "org"]


def seen_by(principal: Principal, columns: Mapping[str, tuple[Any, Whose]]) -> sa.ColumnElement[bool]:
    """The rows the caller sees: for each of its roles named in ``columns``, the rows whose column holds
    its subject (``"subject"``) or its organisation (``"org"``, only with an ``org_id``)."""
    clauses: list[sa.ColumnElement[bool]] = []
    for role, (column, whose) in columns.items():
        if not principal.has_role(role):
            continue
        if whose == "subject":
            clauses.append(column == principal.subject)
        elif principal.org_id:
            clauses.append(column == principal.org_id)
    return sa.or_(*clauses) if clauses else sa.false()


class ByRole(ScopedRepository[M]):
    """A repository whose rows are seen by role (:func:`seen_by`): ``seen_by_role`` maps a role to the
    model's column it is matched on, and to whose id that column holds."""

    seen_by_role: ClassVar[Mapping[str, tuple[str, Whose]]] = {}

    def visible_to(self, principal: Principal) -> sa.ColumnElement[bool]:
        return seen_by(principal, {role: (getattr(self.model, column), whose) for role, (column, whose) in self.seen_by_role.items()})

    def _filter(self, *, writing: bool) -> sa.ColumnElement[bool]:
        return sa.true() if self.principal is None else self.visible_to(self.principal)
