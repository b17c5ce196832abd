"""What the pre-check and the visa read of a file's tenant data (the JSON value sealed in the file, as
the API's ``TenantIn`` writes it) and of the unit's facts the file recorded."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from abri_guarantees.domain.eligibility import FileFacts


def _day(value: date | str | None) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(value)


def facts_of(tenant: Mapping[str, Any], unit: Mapping[str, Any]) -> FileFacts:
    """The pre-check's facts: the tenant's situation, and the unit's facts from the read model."""
    birth_date = _day(tenant["birth_date"])
    assert birth_date is not None  # required by the API's TenantIn
    return FileFacts(
        birth_date=birth_date,
        student=bool(tenant.get("student", False)),
        hired_or_transferred_on=_day(tenant.get("hired_or_transferred_on")),
        net_monthly_pay_cents=tenant.get("net_monthly_pay_cents"),
        job_promise_on=_day(tenant.get("job_promise_on")),
        job_starts_on=_day(tenant.get("job_starts_on")),
        bail_mobilite=bool(tenant.get("bail_mobilite", False)),
        intermediated_letting=bool(tenant.get("intermediated_letting", False)),
        close_family_to_landlord=bool(tenant.get("close_family_to_landlord", False)),
        resources_cents=int(tenant["resources_cents"]),
        housing_benefit_cents=int(tenant.get("housing_benefit_cents", 0)),
        rent_cents=unit["rent_cents"],
        charges_cents=unit["charges_cents"],
        departement=unit["departement"],
        energy_class=unit.get("energy_class"),
    )


def full_name(tenant: Mapping[str, Any]) -> str:
    """The holder's name as the visa shows it."""
    return f"{tenant['first_names']} {tenant['last_name']}"
