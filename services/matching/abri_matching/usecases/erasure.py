"""Erasure everywhere: one request erases a household's personal data in every service.

Who may ask: the household itself (its own account), its association (a social worker of its
organisation, on its behalf), or ops carrying out a request made to the data protection officer (with
the request's reference). Matching erases its own copies at once, in the request's transaction: the
household's data key is destroyed (``sealing.erase_personal``), its account link, invitations and purposes cleared,
its pending suggestions dropped and its active placements withdrawn (``household_erased``: the owner,
listings and guarantees are told through the placement's events). It records the request and publishes
``household.erased`` (no personal data); guarantees, notifications, listings and the assistant erase their
copies and answer with a receipt, which :func:`receive_receipt` records. The state per service is
:func:`erasure_state`. A repeat answers the first request's state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from abri_auth.scoping import NotFound
from abri_contracts.households import HouseholdErased
from abri_kit.calendar import day_in_france
from abri_kit.errors import NotAllowed, Refused
from abri_kit.usecase import Context
from abri_matching.db.erasures import ErasureReceipt, HouseholdErasure
from abri_matching.db.households import Household
from abri_matching.db.repositories.erasures import Erasures
from abri_matching.db.repositories.households import Households
from abri_matching.db.repositories.invitations import Invitations
from abri_matching.db.repositories.placements import Placements
from abri_matching.domain import erasure as keeping
from abri_matching.domain.households import HouseholdMove, HouseholdStatus, household_after
from abri_matching.domain.placements import ACTIVE, WithdrawReason
from abri_matching.domain.retention import RetentionPolicy
from abri_matching.usecases.consent_gate import stop_matching
from abri_matching.usecases.sealing import erase_personal

SERVICES = ("matching", "guarantees", "notifications", "listings", "assistant")
"""Every service that answers an erasure (matching at once; the others by their receipt); each request keeps the
list of its day."""
BEFORE_THE_LIST = ("matching", "guarantees", "notifications", "listings")
"""The services a request made before the requests kept their list awaited (the assistant came after)."""


@dataclass(frozen=True)
class ServiceState:
    service: str
    state: str
    """``pending`` or ``completed``."""
    completed_at: datetime | None = None
    kept: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ErasureState:
    request: HouseholdErasure
    services: list[ServiceState]

    @property
    def state(self) -> str:
        return "completed" if all(service.state == "completed" for service in self.services) else "pending"


def requester_kind(ctx: Context) -> str:
    """Who asks, as the erasure records it."""
    principal = ctx.principal
    if principal.has_role("social_worker"):
        return "association"
    if principal.has_role("household"):
        return "household"
    if principal.has_role("ops"):
        return "dpo"
    raise NotAllowed("an erasure is asked by the household, its association or ops for the data protection officer")


async def household_for(ctx: Context, household_id: uuid.UUID, *, for_update: bool = False) -> Household:
    """The household the caller may ask about: its own (household), its association's (social worker),
    any (ops, for a request made to the DPO); another's answers 404."""
    if ctx.principal.has_role("ops") and not ctx.principal.has_role("social_worker") and not ctx.principal.has_role("household"):
        households = Households.for_system(ctx.uow)
    else:
        households = Households.of(ctx)
    return await households.get(household_id, for_update=for_update)


async def request_erasure(
    ctx: Context, household_id: uuid.UUID, dpo_reference: str | None = None, retention: RetentionPolicy | None = None
) -> ErasureState:
    """Erase the household everywhere (see the module); a repeat answers the first request's state.
    ``retention``: the periods that say until when matching keeps what it keeps (the defaults if None)."""
    kind = requester_kind(ctx)
    if kind == "dpo" and not dpo_reference:
        raise Refused(
            "ops erase a household for a request made to the data protection officer: give its reference",
            errors=[{"field": "body.dpo_reference", "message": "required for ops", "code": "dpo_reference_required"}],
        )
    household = await household_for(ctx, household_id, for_update=True)
    erasures = Erasures.for_system(ctx.uow)
    existing = await erasures.of_household(household.id, for_update=True)
    if existing is not None:
        return await state_of(ctx, existing)
    return await erase(ctx, household, kind, dpo_reference=dpo_reference if kind == "dpo" else None, retention=retention)


async def erase(
    ctx: Context, household: Household, kind: str, *, dpo_reference: str | None = None, retention: RetentionPolicy | None = None
) -> ErasureState:
    """Matching's part, in the caller's transaction (a retention sweep may call it with ``kind`` retention).

    Nothing about the person stays in matching's tables: the key is shredded (identity, contact,
    situations), the account unlinked, the association's reference replaced by a non-identifying one
    (``domain/erasure.py``), and a request made by the household itself records its role, not its
    subject. Matching's own receipt says what it keeps, why and until when."""
    account_subject = household.account_subject
    placements = await Placements.for_system(ctx.uow).of_household(household.id)
    active = [status.value for status in ACTIVE]
    await stop_matching(ctx, household, WithdrawReason.HOUSEHOLD_ERASED, active, by_household=kind == "household")
    request_id = uuid.uuid4()
    await erase_personal(ctx, household, ctx.now, request_id=request_id, requested_by=kind)  # the ledger, then the key
    household.status = household_after(HouseholdStatus(household.status), HouseholdMove.ARCHIVE).value
    household.account_subject = None
    household.cohabitation_until = None  # a birth date, all but: it leaves with the person
    for placement in placements:  # a cohabitation's small services are free text about the person's days: they leave too
        placement.agreement_services = [] if placement.agreement_services is not None else None
    await Invitations.for_system(ctx.uow).delete_of(household.id)  # they name the account, and the worker who invited
    household.purposes_in_force = []
    household.reference = keeping.erased_reference(household.id)
    household.updated_at = ctx.now
    request = Erasures.for_system(ctx.uow).add(
        HouseholdErasure(
            request_id=request_id,
            household_id=household.id,
            org_id=household.org_id,
            requested_by=kind,
            requester=None if kind == "household" else ctx.principal.subject,
            dpo_reference=dpo_reference,
            requested_at=ctx.now,
            erased_at=ctx.now,
            awaited=list(SERVICES),
        )
    )
    await ctx.uow.flush("the erasure")
    kept = await matching_kept(ctx, household, retention or RetentionPolicy())
    ctx.uow.session.add(ErasureReceipt(request_id=request.request_id, service="matching", completed_at=ctx.now, kept=kept))
    erased = HouseholdErased(
        household_id=household.id,
        org_id=household.org_id,
        account_subject=account_subject,
        request_id=request.request_id,
        requested_by=kind,
        erased_at=ctx.now,
        placement_ids=[placement.id for placement in placements],
    )
    await ctx.uow.publish(erased, at=ctx.now)
    await ctx.uow.flush("the erasure")
    return await state_of(ctx, request)


async def matching_kept(ctx: Context, household: Household, retention: RetentionPolicy) -> list[dict[str, Any]]:
    """What matching keeps of the household now erased (its placements as the erasure left them)."""
    traces = [
        keeping.PlacementTrace(status, lease_type, day_in_france(last_step_at))
        for status, lease_type, last_step_at in await Erasures.for_system(ctx.uow).placement_traces(household.id)
    ]
    leases = await Erasures.for_system(ctx.uow).inventory_traces(household.id)
    return keeping.kept(day_in_france(ctx.now), traces, retention, leases)


async def erasure_state(ctx: Context, household_id: uuid.UUID) -> ErasureState:
    """The erasure of one of the caller's households, per service (404 if none was asked)."""
    household = await household_for(ctx, household_id)
    request = await Erasures.for_system(ctx.uow).of_household(household.id)
    if request is None:
        raise NotFound("erasure", household_id)
    return await state_of(ctx, request)


async def state_of(ctx: Context, request: HouseholdErasure) -> ErasureState:
    receipts = await Erasures.for_system(ctx.uow).receipts(request.request_id)
    services = [
        ServiceState(name, "completed", receipts[name].completed_at, list(receipts[name].kept))
        if name in receipts
        else ServiceState(name, "pending")
        for name in (request.awaited or BEFORE_THE_LIST)
    ]
    return ErasureState(request, services)


async def receive_receipt(ctx: Context, request_id: uuid.UUID, service: str, completed_at: datetime, kept: list[dict[str, Any]]) -> None:
    """A service's receipt for an erasure request (an unknown request is ignored: nothing to update)."""
    erasures = Erasures.for_system(ctx.uow)
    if await erasures.find(request_id) is None:
        return
    await erasures.receive({"request_id": request_id, "service": service, "completed_at": completed_at, "kept": kept})
