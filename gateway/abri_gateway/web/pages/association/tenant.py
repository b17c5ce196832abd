"""The tenant's part of a guarantee file: read from the form (or the errors next to its fields), filled
from the household's record or the file, and the fund's pre-check failures put next to the fields."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from abri_gateway.web import forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.conflicts import explained
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.association.shared import api_errors, contact, euros_typed
from abri_gateway.web.visit import Visit

TENANT_NAMES = (
    "first_names",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "student",
    "hired_or_transferred_on",
    "job_promise_on",
    "job_starts_on",
    "bail_mobilite",
    "close_family_to_landlord",
)
TENANT_FIELDS = {
    **{f"tenant.{name}": name for name in TENANT_NAMES},
    "tenant.net_monthly_pay_cents": "net_monthly_pay",
    "tenant.resources_cents": "resources",
    "tenant.housing_benefit_cents": "housing_benefit",
    "fund_id": "fund_id",
    "placement_id": "fund_id",
}
"""Where the guarantees service's validation errors go on the filing form."""
RULE_FIELDS = {
    "age_or_situation": ("birth_date", "hired_or_transferred_on", "net_monthly_pay", "job_promise_on"),
    "close_family": ("close_family_to_landlord",),
    "rent_cap": ("_form",),
    "student_rent_cap": ("student",),
    "rent_burden": ("resources", "housing_benefit"),
    "energy_class": ("_form",),
    "departement": ("_form",),
}
"""Where each failed rule of the fund's pre-check is shown when it names no field of the tenant: next to the
fields it reads (the unit's facts are not typed here: those rules go at the top of the form)."""


async def tenant_from_household(page: Visit, household_id: str) -> dict[str, Any]:
    """The form filled from the household's record, its personal data read for the guarantee file (logged)."""
    record = await page.api("GET", "matching", f"/v1/households/{household_id}")
    values: dict[str, Any] = {
        "resources": euros_typed(record["resources_cents"]),
        "housing_benefit": euros_typed(record["housing_benefit_cents"]),
    }
    try:
        personal = await page.api("GET", "matching", f"/v1/households/{household_id}/personal-data", params={"purpose": "guarantee_file"})
    except ApiError as exc:
        if exc.status != 410:
            raise
        return values
    identity = personal.get("identity") or {}
    values |= {
        "first_names": identity.get("first_name") or "", "last_name": identity.get("last_name") or "",
        "birth_date": identity.get("birth_date") or "", "email": identity.get("email") or "", "phone": identity.get("phone") or "",
    }  # fmt: skip
    return values


def tenant_values(tenant: dict[str, Any]) -> dict[str, Any]:
    values = {k: ("" if v is None else v) for k, v in tenant.items() if not k.endswith("_cents")}
    values["resources"] = euros_typed(tenant.get("resources_cents"))
    values["housing_benefit"] = euros_typed(tenant.get("housing_benefit_cents"))
    values["net_monthly_pay"] = euros_typed(tenant.get("net_monthly_pay_cents"))
    return values


def file_values(form: FormData) -> dict[str, Any]:
    return forms.summary(dict(form)) | {
        name: forms.checked(form, name) for name in ("student", "bail_mobilite", "close_family_to_landlord")
    }


def file_errors(exc: ApiError) -> forms.FieldErrors:
    if exc.status == 409:  # a file already open, the placement not waiting, its unit not known to the funds yet
        errors = forms.FieldErrors()
        errors.add("_form", explained(exc))
        return errors
    return api_errors(exc, TENANT_FIELDS)


def tenant_body(form: FormData) -> tuple[dict[str, Any], forms.FieldErrors]:
    """The tenant's part of a guarantee file, or the errors to show next to the fields."""
    errors = forms.FieldErrors()
    first_names, last_name = forms.text(form, "first_names"), forms.text(form, "last_name")
    if not first_names:
        errors.add("first_names", _("Enter the tenant's first names, as on the identity document."))
    if not last_name:
        errors.add("last_name", _("Enter the tenant's last name, as on the identity document."))
    email, phone = contact(form, errors)
    body = {
        "first_names": first_names,
        "last_name": last_name,
        "birth_date": forms.day(form, "birth_date", errors),
        "email": email,
        "phone": phone,
        "student": forms.checked(form, "student"),
        "hired_or_transferred_on": forms.day(form, "hired_or_transferred_on", errors, required=False),
        "net_monthly_pay_cents": forms.cents(form, "net_monthly_pay", errors, required=False),
        "job_promise_on": forms.day(form, "job_promise_on", errors, required=False),
        "job_starts_on": forms.day(form, "job_starts_on", errors, required=False),
        "bail_mobilite": forms.checked(form, "bail_mobilite"),
        "close_family_to_landlord": forms.checked(form, "close_family_to_landlord"),
        "resources_cents": forms.cents(form, "resources", errors),
        "housing_benefit_cents": forms.cents(form, "housing_benefit", errors, required=False) or 0,
    }
    return body, errors
