"""``GET /v1/me``: who the service takes the caller to be (subject, roles, organisation, scopes).

Every service answers it, behind the same token check as its other routes; the web front uses it, and
so does anyone checking that a token reaches a service intact.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from abri_auth.dependencies import CurrentPrincipal


class Me(BaseModel):
    """The caller as this service sees it."""

    subject: str
    roles: list[str]
    org_id: str | None
    scopes: list[str]
    client_id: str | None


router = APIRouter(tags=["caller"])


@router.get("/v1/me", summary="The caller, as this service sees it")
async def me(principal: CurrentPrincipal) -> Me:
    """The validated caller."""
    return Me(
        subject=principal.subject,
        roles=sorted(principal.roles),
        org_id=principal.org_id,
        scopes=sorted(principal.scopes),
        client_id=principal.client_id,
    )
