"""The context of a public request (no token: the visa check): the request's transaction and instant,
and a caller that holds no role, so that no scoped repository gives it anything. What a public route may
read, its use case reads on purpose (``Visas.for_public_check``). The kit's ``Ctx`` needs a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from abri_auth.principal import Principal
from abri_kit.clock import Now
from abri_kit.db import SessionDep
from abri_kit.usecase import Context, UnitOfWork

ANONYMOUS = Principal(subject="anonymous", roles=frozenset(), org_id=None, scopes=frozenset())


def public_context_of(session: SessionDep, now: Now) -> Context:
    return Context(UnitOfWork(session), ANONYMOUS, now)


PublicCtx = Annotated[Context, Depends(public_context_of)]
"""The context of a request that carries no token."""
