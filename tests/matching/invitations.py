"""Linking a household's own account the one way there is: its association invites, the person accepts
signed in (``usecases/invitations.py``). For the tests that need a linked household, against the matching
service itself (``prefix`` empty) or through the gateway (``prefix="/api/matching"``)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.oidc_issuer import TestIssuer


def household_token(issuer: TestIssuer, subject: str, org_id: str | None = None) -> dict[str, str]:
    """The headers of a person signed in with the household role (its token carries its association's org_id, if given)."""
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=subject, roles=['household'], **claims)}"}


async def link_account(
    client: httpx.AsyncClient, household_id: str, worker: dict[str, str], person: dict[str, str], *, prefix: str = ""
) -> dict[str, Any]:
    """The association invites, the person (``person``: its headers) accepts; the household as it answers then."""
    created = await client.post(f"{prefix}/v1/households/{household_id}/invitations", headers=worker)
    assert created.status_code == 201, created.text
    accepted = await client.post(f"{prefix}/v1/household-invitations/accept", json={"code": created.json()["code"]}, headers=person)
    assert accepted.status_code == 200, accepted.text
    return dict(accepted.json())


async def link_subject(
    client: httpx.AsyncClient, issuer: TestIssuer, household_id: str, worker: dict[str, str], subject: str, org_id: str | None = None
) -> dict[str, Any]:
    """As :func:`link_account`, for a person known by its subject (its token made here)."""
    return await link_account(client, household_id, worker, household_token(issuer, subject, org_id))


async def link_in_browsers(worker: Any, person: Any, household_id: str) -> dict[str, Any]:
    """As :func:`link_account`, through the gateway's API, for the web tests' signed-in browsers
    (``tests.web.support.Browser``: the social worker's, then the person's own)."""
    created = await worker.api("POST", f"/matching/v1/households/{household_id}/invitations")
    assert created.status_code == 201, created.text
    accepted = await person.api("POST", "/matching/v1/household-invitations/accept", json={"code": created.json()["code"]})
    assert accepted.status_code == 200, accepted.text
    return dict(accepted.json())
