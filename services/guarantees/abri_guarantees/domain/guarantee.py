"""A guarantee's life: the owner activates a visa for a lease; it covers that tenancy and ends with it.

Visale: the owner activates the guarantee with the visa number and the tenant's name before the lease
is signed; the lease is signed while the visa is valid and its rent + charges may not exceed the amount
on the visa (visale.fr, FAQ "baux admis par Visale"; ``docs/domain-rules.md``, "Activation of a guarantee"). The name is checked by
:func:`abri_guarantees.domain.visa.names_match` before these rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from enum import StrEnum

from abri_guarantees.domain.policy import add_months
from abri_guarantees.domain.visa import Visa, VisaStatus, visa_status


class ActivationRefusal(StrEnum):
    VISA_REVOKED = "visa_revoked"
    VISA_EXPIRED = "visa_expired"
    LEASE_SIGNED_BEFORE_VISA = "lease_signed_before_visa"
    LEASE_SIGNED_AFTER_DEADLINE = "lease_signed_after_deadline"
    LEASE_SIGNED_BEFORE_MAJORITY = "lease_signed_before_majority"
    """The visa was issued to a tenant not yet of age (Visale: from 17 years and 10 months) and the lease is
    signed before the birthday that makes them so (``Visa.lease_not_before``)."""
    RENT_ABOVE_VISA_MAX = "rent_above_visa_max"
    DOCUMENTS_MISSING = "documents_missing"
    """The file was approved with required documents "to follow", and they had not come when the lease was signed."""


class GuaranteeStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class ActivationRefused(ValueError):
    """The visa may not guarantee this lease (the API answers 422 with ``code``)."""

    def __init__(self, code: ActivationRefusal) -> None:
        super().__init__(f"activation refused: {code.value.replace('_', ' ')}")
        self.code = code


@dataclass(frozen=True)
class Guarantee:
    """An activated guarantee: the visa, the lease's first day, its rent + charges a month (the base of
    the cover caps), and the tenancy's last day once it has ended."""

    visa_number: str
    lease_signed_on: date
    monthly_rent_and_charges_cents: int
    activated_on: date
    ended_on: date | None = None
    lease_starts_on: date | None = None
    """When the tenancy begins (the cover with it); the signing day when not given."""


def activation_refusal(
    visa: Visa, lease_signed_on: date, lease_rent_plus_charges_cents: int, on: date, reported_on: date | None = None
) -> ActivationRefusal | None:
    """Why the visa may not be activated for this lease, or ``None``: the visa was revoked by the day the
    lease is reported (``reported_on``, else ``on``); it is no longer valid ``on`` the signing day; the
    lease is signed before the visa was issued or after its deadline (the deadline day itself is in time);
    it is signed before the tenant's birthday of age (``visa.lease_not_before``; the birthday itself is in
    time); the rent + charges are above the visa's maximum (the maximum itself is accepted).

    A lease reported long after the day typed on it is taken as signed no earlier than
    :func:`effective_signing_day` says: a signing date cannot be backdated past a deadline."""
    if visa.revoked_on is not None and visa.revoked_on <= (reported_on or on):
        return ActivationRefusal.VISA_REVOKED
    if visa_status(visa.valid_until, None, on) is VisaStatus.EXPIRED:
        return ActivationRefusal.VISA_EXPIRED
    if lease_signed_on < visa.issued_on:
        return ActivationRefusal.LEASE_SIGNED_BEFORE_VISA
    if lease_signed_on > visa.lease_signing_deadline:
        return ActivationRefusal.LEASE_SIGNED_AFTER_DEADLINE
    if visa.lease_not_before is not None and lease_signed_on < visa.lease_not_before:
        return ActivationRefusal.LEASE_SIGNED_BEFORE_MAJORITY
    if lease_rent_plus_charges_cents > visa.max_rent_cents:
        return ActivationRefusal.RENT_ABOVE_VISA_MAX
    return None


@dataclass(frozen=True)
class RefusalDetail:
    """An activation refusal as a coded refusal says it: the field of the lease it concerns (``signed_on``
    or ``rent_and_charges_cents``), an English sentence with the numbers, and the numbers (``params``)."""

    field: str
    message: str
    params: Mapping[str, str | int | None] = dataclass_field(default_factory=dict)


def refusal_detail(code: ActivationRefusal, visa: Visa, lease_signed_on: date, lease_rent_plus_charges_cents: int) -> RefusalDetail:
    """What :func:`activation_refusal`'s ``code`` means for this visa and this lease, with its dates and amounts."""
    signed = lease_signed_on.isoformat()
    if code is ActivationRefusal.LEASE_SIGNED_BEFORE_MAJORITY:
        assert visa.lease_not_before is not None
        birthday = visa.lease_not_before.isoformat()
        return RefusalDetail(
            "signed_on",
            f"the lease is signed on {signed}, before the tenant comes of age on {birthday}: the fund takes a request "
            "before that birthday, but the lease is signed from it",
            {"lease_signed_on": signed, "birthday": birthday},
        )
    if code is ActivationRefusal.RENT_ABOVE_VISA_MAX:
        return RefusalDetail(
            "rent_and_charges_cents",
            f"the lease's rent + charges ({lease_rent_plus_charges_cents} cents) are above the visa's maximum "
            f"({visa.max_rent_cents} cents)",
            {"rent_and_charges_cents": lease_rent_plus_charges_cents, "max_rent_cents": visa.max_rent_cents},
        )
    dates: dict[str, str | int | None] = {
        "lease_signed_on": signed,
        "issued_on": visa.issued_on.isoformat(),
        "valid_until": visa.valid_until.isoformat(),
        "lease_signing_deadline": visa.lease_signing_deadline.isoformat(),
    }
    said = {
        ActivationRefusal.VISA_REVOKED: "the visa was revoked",
        ActivationRefusal.VISA_EXPIRED: f"the visa is no longer valid on {signed} (valid until {dates['valid_until']})",
        ActivationRefusal.LEASE_SIGNED_BEFORE_VISA: f"the lease is signed on {signed}, before the visa was issued ({dates['issued_on']})",
        ActivationRefusal.LEASE_SIGNED_AFTER_DEADLINE: (
            f"the lease is signed on {signed}, after the visa's deadline to sign ({dates['lease_signing_deadline']})"
        ),
        ActivationRefusal.DOCUMENTS_MISSING: "documents the fund requires, to follow the approval, have not come",
    }
    if code is ActivationRefusal.VISA_REVOKED:
        dates["revoked_on"] = visa.revoked_on.isoformat() if visa.revoked_on else None
    return RefusalDetail("signed_on", said[code], dates)


def effective_signing_day(typed: date, reported_on: date, grace_days: int) -> date:
    """The signing day activation judges: the day typed, but no earlier than ``grace_days`` before the
    report (``VisaTerms.recording_grace_days``, an Abri default of the fund's policy): a backdated lease
    cannot slip under a deadline or around a revocation."""
    return max(typed, reported_on - timedelta(days=grace_days))


def activate(visa: Visa, lease_signed_on: date, lease_rent_plus_charges_cents: int, on: date) -> Guarantee:
    """The guarantee of this lease; :class:`ActivationRefused` with the :func:`activation_refusal` code."""
    refusal = activation_refusal(visa, lease_signed_on, lease_rent_plus_charges_cents, on)
    if refusal is not None:
        raise ActivationRefused(refusal)
    return Guarantee(visa.number, lease_signed_on, lease_rent_plus_charges_cents, on)


def end(guarantee: Guarantee, tenancy_ended_on: date) -> Guarantee:
    """The guarantee ends with the tenancy: it covers rent due up to ``tenancy_ended_on`` inclusive."""
    if guarantee.ended_on is not None:
        raise ValueError(f"the guarantee already ended on {guarantee.ended_on.isoformat()}")
    if tenancy_ended_on < guarantee.lease_signed_on:
        raise ValueError("a tenancy cannot end before its lease was signed")
    return replace(guarantee, ended_on=tenancy_ended_on)


def guarantee_status(guarantee: Guarantee, today: date) -> GuaranteeStatus:
    """Active through the tenancy's last day, ended after it."""
    return GuaranteeStatus.ENDED if guarantee.ended_on is not None and today > guarantee.ended_on else GuaranteeStatus.ACTIVE


def covers(guarantee: Guarantee, due_on: date) -> bool:
    """Whether rent due on ``due_on`` falls within the guaranteed tenancy (from its first day to its last)."""
    starts = guarantee.lease_starts_on or guarantee.lease_signed_on
    return starts <= due_on and (guarantee.ended_on is None or due_on <= guarantee.ended_on)


def personal_data_kept_until(last_contact_on: date, years: int = 3) -> date:
    """The last day a guarantee file's personal data stays in the live database: 3 years after the last
    contact (CNIL, référentiel gestion locative, rental-guarantee data; ``docs/domain-rules.md``, "Guarantee files: three years")."""
    return add_months(last_contact_on, 12 * years)
