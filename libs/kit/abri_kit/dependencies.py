"""FastAPI dependencies that hand a route what its use case takes: the :class:`Context` (the request's
transaction, caller and instant; :data:`PublicCtx` for a public route, whose caller holds no role) and a
:class:`PageRequest` (``limit`` and ``cursor`` of a list)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from abri_auth.dependencies import CurrentPrincipal
from abri_auth.principal import Principal
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.pagination import CURSOR_MAX_LENGTH, DEFAULT_LIMIT, MAX_LIMIT, PageRequest, scope_of
from abri_kit.usecase import Context, UnitOfWork


def context_of(session: SessionDep, principal: CurrentPrincipal, now: Now) -> Context:
    return Context(UnitOfWork(session), principal, now)


Ctx = Annotated[Context, Depends(context_of)]
"""The request's context (needs a valid token: every route but the probes has one)."""


ANONYMOUS = Principal(subject="anonymous", roles=frozenset(), org_id=None, scopes=frozenset())
"""The caller of a route an issue names public: it holds no role, so no scoped repository gives it
anything; what a public route may read, its use case reads on purpose, by name."""


def public_context_of(session: SessionDep, now: Now) -> Context:
    return Context(UnitOfWork(session), ANONYMOUS, now)


PublicCtx = Annotated[Context, Depends(public_context_of)]
"""The context of a public request (no token)."""


def page_request_of(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page (1 to {MAX_LIMIT}).")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=CURSOR_MAX_LENGTH, pattern=r"^[A-Za-z0-9_-]+$", description="next_cursor of the previous page."),
    ] = None,
) -> PageRequest:
    filters = sorted((k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "cursor"))
    return PageRequest(limit=limit, cursor=cursor, scope=scope_of(request.url.path, filters=filters))


PageParams = Annotated[PageRequest, Depends(page_request_of)]
