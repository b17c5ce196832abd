"""A household's form: read into the matching service's body (or the errors next to its fields), and
filled from the stored household. Its wanted communes are picked one by one by name, and its place (a
workplace, a school) is a commune too: the service receives their INSEE codes and the commune's centre,
never a code or a coordinate typed by hand."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from abri_gateway.web import communes, forms
from abri_gateway.web.api import ApiError
from abri_gateway.web.households import is_erased
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.pages.association.shared import contact, euros_typed
from abri_gateway.web.visit import Visit

PRIORITY_SITUATIONS = (
    "dalo_decision",
    "disability",
    "domestic_violence",
    "forced_marriage_or_prostitution",
    "leaving_shelter_or_therapeutic_housing",
    "unfit_or_dangerous_housing",
    "threatened_with_eviction",
    "no_home",
    "non_decent_or_overcrowded_with_minor_or_disabled",
)

HOUSEHOLD_FIELDS = {
    "resources_cents": "resources",
    "housing_benefit_cents": "housing_benefit",
    "needs.min_bedrooms": "min_bedrooms",
    "needs": "min_bedrooms",
    "wanted": "communes",
    "wanted.communes": "communes",
    "wanted.around": "around",
    "wanted.around.latitude": "around",
    "wanted.around.longitude": "around",
    "wanted.around.radius_km": "radius_km",
    "identity.first_name": "first_name",
    "identity.last_name": "last_name",
    "identity.birth_date": "birth_date",
    "identity.phone": "phone",
    "identity.email": "email",
    "identity": "first_name",
    "priority_situations": "priority_situations",
    "consent": "consents",
}
"""Where the matching service's validation errors go on the household form."""


def household_values(form: FormData) -> dict[str, Any]:
    """The form as it was posted, to show it again with its errors."""
    values = forms.summary(dict(form))
    values["priority_situations"] = forms.chosen(form, "priority_situations")
    values["consents"] = forms.chosen(form, "consents")
    values["picked"] = communes.picked(form, "communes")
    around = _around(form)
    values["around"] = communes.shown(around.commune) if around.commune else forms.text(form, "around")
    values["around_choices"] = [(c.insee_code, communes.described(c)) for c in around.choices]
    return values


def _around(form: FormData) -> communes.Found:
    """The commune named as the household's place (a choice among several, when it matched several)."""
    return communes.resolve(forms.text(form, "around"), forms.text(form, "around_choice"))


async def stored_values(page: Visit, record: dict[str, Any]) -> dict[str, Any]:
    """The stored household as the form's values; its personal data read for the social follow-up (logged)."""
    around = record["wanted"].get("around") or {}
    values: dict[str, Any] = {
        "reference": "" if is_erased(record) else record["reference"],  # never the placeholder erasure leaves
        "adults": str(record["adults"]),
        "children": str(record["children"]),
        "resources": euros_typed(record["resources_cents"]),
        "housing_benefit": euros_typed(record["housing_benefit_cents"]),
        "registered_since": record["registered_since"],
        "min_bedrooms": str(record["needs"].get("min_bedrooms", 0)),
        "step_free_access": record["needs"].get("step_free_access"),
        "ground_floor": record["needs"].get("ground_floor"),
        "smoke_free": record["needs"].get("smoke_free"),
        "quiet_hours": record["needs"].get("quiet_hours"),
        "cohabitation": record.get("cohabitation") is not None,
        "picked": communes.Picked(list(record["wanted"].get("communes") or [])),
        "around": communes.shown(communes.nearest(around["latitude"], around["longitude"])) if around else "",
        "around_choices": [],
        "radius_km": f"{around['radius_km']:g}" if around else "",
        "priority_situations": [],
        "version": str(record["version"]),
    }
    if record.get("erased"):
        page.notices.append(("info", _("This household's personal data were erased: only its other facts remain.")))
        return values
    try:
        personal = await page.api(
            "GET", "matching", f"/v1/households/{record['id']}/personal-data", params={"purpose": "support_follow_up"}
        )
    except ApiError as exc:
        if exc.status != 410:
            raise
        page.notices.append(("info", _("This household's personal data were erased: only its other facts remain.")))
        return values
    identity = personal.get("identity") or {}
    for name in ("first_name", "last_name", "birth_date", "phone", "email"):
        values[name] = identity.get(name) or ""
    values["priority_situations"] = list(personal.get("priority_situations") or [])
    return values


def keep_stored_place(body: dict[str, Any], record: dict[str, Any], form: FormData) -> None:
    """The household's stored place kept as it is while the form still names the commune it is shown as:
    saving the form for another reason (a new phone number) never moves a place set more precisely (through
    the API) to its commune's centre. Another commune typed moves it to that commune's centre."""
    stored, wanted = record["wanted"].get("around"), body["wanted"].get("around")
    if not stored or not wanted:
        return
    if forms.text(form, "around") == communes.shown(communes.nearest(stored["latitude"], stored["longitude"])):
        wanted.update(latitude=stored["latitude"], longitude=stored["longitude"])


def household_body(form: FormData) -> tuple[dict[str, Any], forms.FieldErrors]:
    """The household's API body from the form, or the errors to show next to the fields."""
    errors = forms.FieldErrors()
    reference = forms.text(form, "reference")
    if not reference:
        errors.add("reference", _("Enter your association's reference for this household (letters, digits, dots, dashes)."))
    elif not re.fullmatch(r"[A-Za-z0-9_.-]{1,60}", reference):
        errors.add("reference", _("Use only letters without accents, digits, dots, dashes and underscores (60 at most)."))
    adults = forms.number(form, "adults", errors, whole=True)
    if isinstance(adults, int) and not 1 <= adults <= 10:
        errors.add("adults", _("Enter a number of adults from 1 to 10."))
    children = forms.number(form, "children", errors, whole=True)
    if isinstance(children, int) and not 0 <= children <= 15:
        errors.add("children", _("Enter a number of children from 0 to 15."))
    min_bedrooms = forms.number(form, "min_bedrooms", errors, required=False, whole=True) or 0
    if isinstance(min_bedrooms, int) and not 0 <= min_bedrooms <= 10:
        errors.add("min_bedrooms", _("Enter a number of bedrooms from 0 to 10."))
    picked = communes.picked(form, "communes")
    if picked.error:
        errors.add("communes", picked.error)
    around = None
    place, radius_typed = _around(form), forms.text(form, "radius_km")
    if forms.text(form, "around") or radius_typed:
        radius = forms.number(form, "radius_km", errors)
        if place.commune is None:
            errors.add(
                "around",
                _("Several communes match: choose yours in the list.")
                if place.choices
                else _("Type the name of the commune around which the household looks, and choose it in the list."),
            )
        elif radius is not None and not 0 < radius <= 200:
            errors.add("radius_km", _("Enter a radius from 1 to 200 km."))
        elif radius is not None:
            around = {**communes.centre(place.commune), "radius_km": radius}  # the commune's centre: never typed
    if not picked.codes and not picked.typed and not forms.text(form, "around"):
        errors.add("communes", _("Add at least one commune, or a commune and a radius around it."))
    email, phone = contact(form, errors)
    body: dict[str, Any] = {
        "reference": reference,
        "adults": adults,
        "children": children,
        "resources_cents": forms.cents(form, "resources", errors),
        "housing_benefit_cents": forms.cents(form, "housing_benefit", errors, required=False) or 0,
        "needs": {
            "step_free_access": forms.checked(form, "step_free_access"),
            "ground_floor": forms.checked(form, "ground_floor"),
            "min_bedrooms": min_bedrooms,
            "smoke_free": forms.checked(form, "smoke_free"),
            "quiet_hours": forms.checked(form, "quiet_hours"),
        },
        "wanted": {"communes": picked.codes, "around": around},
        "registered_since": forms.day(form, "registered_since", errors),
        "identity": {
            "first_name": forms.optional_text(form, "first_name"),
            "last_name": forms.optional_text(form, "last_name"),
            "birth_date": forms.day(form, "birth_date", errors, required=False),
            "phone": phone,
            "email": email,
        },
        "priority_situations": [s for s in forms.chosen(form, "priority_situations") if s in PRIORITY_SITUATIONS],
        "cohabitation": None,
    }
    if forms.checked(
        form, "cohabitation"
    ):  # the scheme's age is judged on the birth date, of which matching keeps only the last day under 30
        born = body["identity"]["birth_date"]
        if not born:
            errors.add("birth_date", _("Give the birth date: intergenerational cohabitation takes a person under 30."))
        body["cohabitation"] = {"birth_date": born}
    return body, errors
