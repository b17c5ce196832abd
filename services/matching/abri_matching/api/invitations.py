"""Linking a household's record to its own sign-in account: the association invites (a code shown once),
the person accepts it signed in with the household role, the association may unlink
(``usecases/invitations.py``). Another association's household answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import Idempotent
from abri_kit.pagination import Page
from abri_kit.usecase import Context
from abri_matching.api.household_schemas import HouseholdOut
from abri_matching.api.households import out
from abri_matching.api.invitation_schemas import InvitationAcceptIn, InvitationCreated, InvitationOut
from abri_matching.api.state import Invitation
from abri_matching.db.invitations import HouseholdInvitation
from abri_matching.usecases import invitations

router = APIRouter(prefix="/v1/households", tags=["households"])
accepting = APIRouter(prefix="/v1/household-invitations", tags=["households"])
SocialWorker = Annotated[Principal, Depends(require_roles("social_worker"))]
Household = Annotated[Principal, Depends(require_roles("household"))]
NOT_MINE: dict[int | str, dict[str, Any]] = {404: {"description": "No such household of my association"}}


def invitation_out(invitation: HouseholdInvitation, ctx: Context) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        household_id=invitation.household_id,
        state=invitations.state(invitation, ctx),
        created_by=invitation.created_by,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
    )


@router.post(
    "/{household_id}/invitations",
    status_code=201,
    summary="Invite a household to link its own sign-in account to its record (the code is shown once; a pending one is revoked)",
    responses={
        **NOT_MINE,
        409: {"description": "Erased (`erased`), or already linked to an account (`household_already_linked`): unlink it first"},
    },
)
async def invite(
    household_id: uuid.UUID, _: SocialWorker, ctx: Ctx, policy: Invitation, idempotency: Idempotent, response: Response
) -> InvitationCreated:
    response.headers["Cache-Control"] = "no-store"  # the code, once
    await idempotency.claim()  # a repeat answers the first answer, without the code (never stored: only its hash is)
    created = await invitations.invite(ctx, household_id, policy)
    answer = InvitationCreated(**invitation_out(created.invitation, ctx).model_dump(), code=created.code)
    await idempotency.remember(201, answer, secret_fields=("code",))
    return answer


@router.get(
    "/{household_id}/invitations", summary="A household's invitations, the newest first, in pages (never their codes)", responses=NOT_MINE
)
async def list_invitations(household_id: uuid.UUID, _: SocialWorker, ctx: Ctx, page: PageParams) -> Page[InvitationOut]:
    rows, next_cursor = await invitations.list_invitations(ctx, household_id, page)
    return Page[InvitationOut](items=[invitation_out(row, ctx) for row in rows], next_cursor=next_cursor)


@router.post(
    "/{household_id}/invitations/{invitation_id}/revoke",
    summary="Revoke a pending invitation",
    responses={
        404: {"description": "No such invitation of a household of my association"},
        409: {"description": "Not pending any more (`invitation_not_pending`)"},
    },
)
async def revoke_invitation(household_id: uuid.UUID, invitation_id: uuid.UUID, _: SocialWorker, ctx: Ctx) -> InvitationOut:
    return invitation_out(await invitations.revoke(ctx, household_id, invitation_id), ctx)


@router.delete(
    "/{household_id}/account",
    summary="Unlink the household's own account from its record (recorded in its access log); nothing to do when none is linked",
    responses=NOT_MINE,
)
async def unlink_account(household_id: uuid.UUID, _: SocialWorker, ctx: Ctx, response: Response) -> HouseholdOut:
    return out(await invitations.unlink(ctx, household_id), response)


@accepting.post(
    "/accept",
    summary="Accept an invitation: link my account (household role) to the household record it was made for",
    responses={
        403: {"description": "Not signed in with the household role only"},
        409: {
            "description": (
                "My account is already linked to a household (`account_already_linked`),"
                " or the record to an account (`household_already_linked`)"
            )
        },
        422: {"description": "The code links nothing: unknown, expired, used or revoked, one answer for all (`invitation_not_valid`)"},
    },
)
async def accept(body: InvitationAcceptIn, _: Household, ctx: Ctx, response: Response) -> HouseholdOut:
    linked = await invitations.accept(ctx, body.code)
    response.headers["Location"] = f"/v1/households/{linked.id}"
    return out(linked, response)
