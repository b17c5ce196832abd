"""Households, registered and managed by their association's social workers: register, list, read,
edit, erase. A household person reads its own file (the routes let it read, never change)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from abri_kit.envelope import KeyEncryption
from abri_kit.errors import Conflict, NotAllowed, Refused
from abri_kit.pagination import PageRequest
from abri_kit.usecase import Context
from abri_kit.versions import require_version
from abri_matching.db.households import Consent, Household
from abri_matching.db.repositories.households import Consents, Households
from abri_matching.domain.consents import Consents as DomainConsents
from abri_matching.domain.consents import LegalBasis, Purpose, refusal
from abri_matching.domain.households import HouseholdStatus, priority_level
from abri_matching.domain.retention import RetentionPolicy
from abri_matching.usecases.consent_gate import refresh
from abri_matching.usecases.erasure import request_erasure
from abri_matching.usecases.invitations import link_by_invitation
from abri_matching.usecases.sealing import seal_new, seal_personal


@dataclass(frozen=True)
class Record:
    """What a social worker records of a household: its facts in clear (for the rules) and its personal
    data (``identity``, ``priority_situations``: sealed)."""

    reference: str
    adults: int
    children: int
    resources_cents: int
    housing_benefit_cents: int
    needs_step_free: bool
    needs_ground_floor: bool
    min_bedrooms: int
    wanted_communes: list[str]
    wanted_latitude: float | None
    wanted_longitude: float | None
    wanted_radius_km: float | None
    registered_since: date
    needs_smoke_free: bool = False
    needs_quiet_hours: bool = False
    cohabitation_until: date | None = None
    account_subject: str | None = None
    """What the body asked for: only an invitation links an account (``usecases/invitations.py``), so a
    registration with one is refused, and a replacement with another than the record's."""
    identity: dict[str, Any] = field(default_factory=dict)
    priority_situations: list[str] = field(default_factory=list)

    def personal(self) -> dict[str, Any]:
        return {"identity": self.identity, "priority_situations": list(self.priority_situations)}


def org_of(ctx: Context) -> str:
    """The caller's association (403 without one: a social worker acts for an association)."""
    if not ctx.principal.org_id:
        raise NotAllowed("a social worker acts for an association: the token has no org_id")
    return ctx.principal.org_id


async def register(
    ctx: Context, keyring: KeyEncryption, record: Record, consents: list[dict[str, Any]], legal_basis: LegalBasis | None = None
) -> Household:
    """A new searching household of the caller's association, with its consent to matching or a legal
    basis that stands in for it (an SIAO orientation, recorded by the caller now), else 422
    ``consent_required`` and nothing is stored; its personal data sealed with a new data key. The other
    services learn its purposes in force (``household.consents_changed``)."""
    org_id = org_of(ctx)
    if record.account_subject is not None:
        raise link_by_invitation()
    given = DomainConsents.of([consent["purpose"] for consent in consents], [legal_basis])
    if not given.in_force(Purpose.MATCHING):
        item = refusal(Purpose.MATCHING)
        raise Refused(str(item["message"]), title="No consent", errors=[item])
    household = Household(
        id=uuid.uuid4(), org_id=org_id, status=HouseholdStatus.SEARCHING.value, created_by=ctx.principal.subject, created_at=ctx.now
    )
    household.purposes_in_force = given.purposes_in_force()  # written with the row: a new household is at version 1
    _copy(household, record, ctx)
    if legal_basis is not None:
        household.legal_basis, household.legal_basis_recorded_by, household.legal_basis_recorded_at = (
            legal_basis.value, ctx.principal.subject, ctx.now,
        )  # fmt: skip
    await seal_new(keyring, household, record.personal())  # the key stored first: a key without data is harmless
    Households.of(ctx).add(household)
    await _save(ctx)  # the household first (its reference is unique per association), then what refers to it
    for consent in consents:
        Consents.of(ctx).add(Consent(household_id=household.id, recorded_by=ctx.principal.subject, **consent))
    await _save(ctx)
    await refresh(ctx, household, publish=True)
    return household


async def list_households(ctx: Context, page: PageRequest, status: HouseholdStatus | None = None) -> tuple[list[Household], str | None]:
    """One page of the caller's households (a household person: its own), the longest registered first."""
    return await Households.of(ctx).page_by_registration(page, status.value if status is not None else None)


async def read_household(ctx: Context, household_id: uuid.UUID) -> Household:
    return await Households.of(ctx).get(household_id)


async def edit_household(ctx: Context, keyring: KeyEncryption, household_id: uuid.UUID, record: Record, if_match: str | None) -> Household:
    """Replace a household's record, from the version the caller read; an erased household stays erased.
    Its account stays as it is: a body without one keeps it, a body with another is refused (only an
    invitation links an account, and ``DELETE .../account`` unlinks it)."""
    household = await Households.of(ctx).get(household_id, for_update=True)
    require_version("household", household.version, if_match)
    if household.erased_at is not None:
        raise Conflict("this household's personal data were erased: register it again if it comes back", title="Erased")
    if record.account_subject is not None and record.account_subject != household.account_subject:
        raise link_by_invitation()
    _copy(household, record, ctx)
    await seal_personal(ctx, keyring, household, record.personal())
    await _save(ctx)
    return household


async def erase_household(ctx: Context, household_id: uuid.UUID, retention: RetentionPolicy | None = None) -> Household:
    """Erase the household's personal data everywhere (its association's request: ``usecases/erasure.py``)
    and archive it; a repeat changes nothing."""
    await request_erasure(ctx, household_id, retention=retention)
    return await Households.of(ctx).get(household_id)


def _copy(household: Household, record: Record, ctx: Context) -> None:
    """The record's facts in clear onto the row (its personal part is sealed apart)."""
    for name in (
        "reference", "adults", "children", "resources_cents", "housing_benefit_cents", "needs_step_free",
        "needs_ground_floor", "min_bedrooms", "needs_smoke_free", "needs_quiet_hours", "cohabitation_until",
        "wanted_latitude", "wanted_longitude",
        "wanted_radius_km", "registered_since",
    ):  # fmt: skip
        setattr(household, name, getattr(record, name))
    household.wanted_communes = list(record.wanted_communes)
    household.priority_level = priority_level(record.priority_situations)
    household.updated_at = ctx.now


async def _save(ctx: Context) -> None:
    try:
        await ctx.uow.flush("the household")
    except IntegrityError as exc:
        raise Conflict("your association already has a household with this reference", title="Duplicate reference") from exc
