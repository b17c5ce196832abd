"""Linking a household's record to its own sign-in account, only by an invitation the person accepts
signed in (``domain/invitations.py``); and unlinking it, by the association.

- A social worker of the household's association creates an invitation (another association's household
  answers 404): a new code, shown once, valid for the policy's days; the household's invitation still
  pending is revoked. An erased household, or one already linked, gets none (409).
- The person, signed in with the ``household`` role only, accepts it with the code: the record's
  ``account_subject`` becomes its subject, the access log records it (``account_linked``) and the other
  services learn the account (``household.consents_changed``). Refused, and nothing changes: a code
  unknown, expired, used or revoked (one answer, 422 ``invitation_not_valid``, that tells none from the
  other), an account already linked to a household record (409 ``account_already_linked``), a record
  already linked (409 ``household_already_linked``).
- The association unlinks the account (the log records ``account_unlinked``); a new invitation links
  another one.

No other way sets ``account_subject``: registering or replacing a household with one is refused
(``usecases/households.py``). No directory of verified household accounts exists to link one directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from abri_kit.errors import Conflict, NotAllowed, Refused
from abri_kit.legal import coded_error
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_matching.db.households import Household
from abri_matching.db.invitations import HouseholdInvitation
from abri_matching.db.repositories.access_log import AccessLog
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.invitations import Invitations
from abri_matching.domain.invitations import (
    ACCOUNT_LINKED,
    ACCOUNT_UNLINKED,
    InvitationPolicy,
    InvitationState,
    code_hash,
    new_code,
    normalised,
    state_of,
)
from abri_matching.usecases.consent_gate import refresh

REACHING_ROLES = ("social_worker", "fund_agent", "partner", "owner", "ops")
"""Roles that see more than a household's own file: a token carrying one may not link itself to a household."""


@dataclass(frozen=True)
class Created:
    """A new invitation and its code: the only time the code is known (the database keeps its hash)."""

    invitation: HouseholdInvitation
    code: str


def state(invitation: HouseholdInvitation, ctx: Context) -> InvitationState:
    return state_of(accepted_at=invitation.accepted_at, revoked_at=invitation.revoked_at, expires_at=invitation.expires_at, now=ctx.now)


def not_valid() -> Refused:
    """The one answer for a code that links nothing (unknown, expired, used, revoked, not a code)."""
    item = coded_error(
        "invitation_not_valid",
        "this code links no household: it is unknown, expired, already used or revoked; ask the association for a new invitation",
        fields=["code"],
    )
    return Refused(str(item["message"]), title="Invitation not valid", errors=[item])


def already_linked() -> Conflict:
    return Conflict(
        "this household's record is already linked to an account: its association unlinks it before inviting another",
        title="Household already linked",
        code="household_already_linked",
    )


def link_by_invitation() -> Refused:
    """A body that sets ``account_subject`` (registering or replacing a household): only an invitation links an account."""
    item = coded_error(
        "account_link_by_invitation",
        "a household's account is linked only by an invitation the person accepts signed in"
        " (POST /v1/households/{id}/invitations); leave account_subject out",
        fields=["account_subject"],
    )
    return Refused(str(item["message"]), title="Linked by invitation", errors=[item])


async def invite(ctx: Context, household_id: uuid.UUID, policy: InvitationPolicy) -> Created:
    """A new invitation for one of the caller's association's households; its pending one is revoked."""
    household = await Households.of(ctx).get(household_id, for_update=True)
    if household.erased_at is not None:
        raise Conflict("this household's personal data were erased: register it again if it comes back", title="Erased")
    if household.account_subject is not None:
        raise already_linked()
    invitations = Invitations.of(ctx)
    for pending in await invitations.open_of(household.id, ctx.now):
        pending.revoked_at, pending.revoked_by = ctx.now, ctx.principal.subject
    code = new_code()
    invitation = invitations.add(
        HouseholdInvitation(
            id=uuid.uuid4(),
            household_id=household.id,
            org_id=household.org_id,
            code_hash=code_hash(code),
            created_by=ctx.principal.subject,
            created_at=ctx.now,
            expires_at=ctx.now + policy.valid_for,
        )
    )
    await ctx.uow.flush("the invitation")
    return Created(invitation, code)


async def list_invitations(ctx: Context, household_id: uuid.UUID, page: PageRequest) -> tuple[list[HouseholdInvitation], str | None]:
    """One page of a household's invitations, the newest first (never their codes)."""
    household = await Households.of(ctx).get(household_id)
    return await Invitations.of(ctx).page_of(household.id, page)


async def revoke(ctx: Context, household_id: uuid.UUID, invitation_id: uuid.UUID) -> HouseholdInvitation:
    """Revoke a pending invitation (409 ``invitation_not_pending`` once accepted, revoked or expired)."""
    household = await Households.of(ctx).get(household_id)
    invitation = await Invitations.of(ctx).of_household(household.id, invitation_id)
    if state(invitation, ctx) != InvitationState.PENDING:
        raise Conflict("this invitation is no longer pending", title="Invitation not pending", code="invitation_not_pending")
    invitation.revoked_at, invitation.revoked_by = ctx.now, ctx.principal.subject
    await ctx.uow.flush("the invitation")
    return invitation


async def accept(ctx: Context, typed_code: str) -> Household:
    """Link the caller's account to the invitation's household (see the module for the refusals)."""
    principal = ctx.principal
    if not principal.has_role("household") or principal.has_role(*REACHING_ROLES):
        raise NotAllowed("an invitation is accepted by the household's own account, signed in with the household role only")
    code = normalised(typed_code)
    invitations = Invitations.for_system(ctx.uow)  # the caller is nobody's household yet: the code finds the row
    found = await invitations.by_code_hash(code_hash(code)) if code is not None else None
    if code is None or found is None or state(found, ctx) != InvitationState.PENDING:
        raise not_valid()
    await invitations.lock_subject(principal.subject)
    if await invitations.household_of_subject(principal.subject) is not None:
        raise Conflict(
            "your account is already linked to a household record: ask its association to unlink it first",
            title="Account already linked",
            code="account_already_linked",
        )
    # The household first, then the invitation: the order an invitation being made takes (no deadlock).
    household = await Households.for_system(ctx.uow).get(found.household_id, for_update=True)
    invitation = await invitations.by_code_hash(code_hash(code), lock=True)
    if invitation is None or state(invitation, ctx) != InvitationState.PENDING or household.erased_at is not None:
        raise not_valid()  # revoked, replaced or erased meanwhile
    if household.account_subject is not None:
        raise already_linked()
    household.account_subject = principal.subject
    household.updated_at = ctx.now
    invitation.accepted_at, invitation.accepted_by = ctx.now, principal.subject
    await AccessLog.for_system(ctx.uow).append(household.id, principal, purpose=ACCOUNT_LINKED, at=ctx.now)
    await refresh(ctx, household, publish=True)  # notifications and guarantees follow the account
    return household


async def unlink(ctx: Context, household_id: uuid.UUID) -> Household:
    """Unlink the household's account (its association's social worker); nothing to do when none is linked."""
    household = await Households.of(ctx).get(household_id, for_update=True)
    previous = household.account_subject
    if previous is None:
        return household
    household.account_subject = None
    household.updated_at = ctx.now
    await AccessLog.for_system(ctx.uow).append(household.id, ctx.principal, purpose=ACCOUNT_UNLINKED, at=ctx.now)
    await refresh(ctx, household, publish=True, previous_account_subject=previous)
    return household
