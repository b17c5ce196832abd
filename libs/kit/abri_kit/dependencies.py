"""FastAPI dependencies that hand a route what its use case takes: the :class:`Context` (the request's
transaction, caller and instant) and a :class:`PageRequest` (``limit`` and ``cursor`` of a list)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from abri_auth.dependencies import CurrentPrincipal
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.pagination import CURSOR_MAX_LENGTH, DEFAULT_LIMIT, MAX_LIMIT, PageRequest, scope_of
from abri_kit.usecase import Context, UnitOfWork


def context_of(session: SessionDep, principal: CurrentPrincipal, now: Now) -> Context:
    return Context(UnitOfWork(session), principal, now)


Ctx = Annotated[Context, Depends(context_of)]
"""The request's context (needs a valid token: every route but the probes has one)."""


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
