"""Matching's reasons in the reader's language: each rule and score component comes with its code and
its numbers (``params``), and the page writes the sentence; the service's English ``reason`` is shown only
for an explanation that carries no numbers (a suggestion stored before they existed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from abri_gateway.web.i18n import date_text, euros, ngettext, number, percent
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import label


def _bedrooms(p: Mapping[str, Any]) -> str:
    return _("%(bedrooms)s bedroom(s) for %(needed)s needed", bedrooms=number(p["bedrooms"]), needed=number(p["needed"]))


def _place(p: Mapping[str, Any]) -> str:
    if p.get("in_commune"):
        return _("in a wanted commune")
    if p.get("distance_km") is not None:
        return _("%(distance)s km from the wanted point", distance=number(p["distance_km"]))
    return _("not in a wanted commune")


def energy_bill(cents: int | None) -> str:
    """A home's energy bill a month as listings estimated it from its DPE, in words."""
    if cents is None:
        return _("not estimated (its main energy is not known)")
    return _("about %(amount)s a month, by its energy diagnosis", amount=euros(cents))


def house_rule_words() -> dict[str, str]:
    """What a household may state it needs of a shared home (matching's ``house_rules``), in words."""
    return {"smoke_free": _("a smoke-free home"), "quiet_hours": _("quiet hours")}


def _rule(code: str, p: Mapping[str, Any]) -> str:
    if code == "overcrowding":
        return _("%(area)s m² for a norm of %(norm)s m²", area=number(p["area_m2"]), norm=number(p["norm_m2"]))
    if code == "accessibility":
        return _("the needs recorded are met") if p["met"] else _("a recorded need is not met")
    if code == "bedrooms":
        return _bedrooms(p)
    if code == "rent_burden":
        if p["burden"] is None:
            return _("no resources recorded")
        said = _("rent burden %(burden)s for a threshold of %(threshold)s", burden=percent(p["burden"]), threshold=percent(p["threshold"]))
        if p.get("burden_with_energy") is None:
            return said
        return _(
            "%(rent_burden)s; %(with_energy)s with the estimated energy bill of %(energy)s a month",
            rent_burden=said,
            with_energy=percent(p["burden_with_energy"]),
            energy=euros(p["energy_cents"]),
        )
    if code == "wanted_place":
        return _place(p)
    if code == "availability":
        return _("available from %(day)s", day=date_text(p["available_from"]))
    if code == "scheme":
        schemes = [label("scheme", scheme) for scheme in str(p["schemes"]).split(",") if scheme]
        return _("schemes in common: %(schemes)s", schemes=", ".join(schemes)) if schemes else _("no scheme in common")
    if code == "room_capacity":
        if not p["shared"]:
            return _("a whole home")
        return _(
            "a room for %(capacity)s, %(persons)s in the household",
            capacity=ngettext("%(num)d person", "%(num)d persons", int(p["occupants_max"])),
            persons=number(p["persons"]),
        )
    if code == "cohabitation_age":
        if not p["cohabitation"]:
            return _("not an intergenerational cohabitation")
        return _("one person under 30 from %(day)s", day=date_text(p["starts_on"]))
    if code == "house_rules":
        if not p["shared"]:
            return _("a whole home")
        unmet = [house_rule_words().get(need, need) for need in str(p["unmet"]).split()]
        return _("house rules not met: %(rules)s", rules=", ".join(unmet)) if unmet else _("the house rules meet the needs recorded")
    raise KeyError(code)


def _component(code: str, p: Mapping[str, Any]) -> str:
    if code == "priority":
        return _("priority level %(level)s", level=number(p["level"]))
    if code == "waiting_time":
        return ngettext("waiting for %(num)d month", "waiting for %(num)d months", int(p["months"]))
    if code == "size_fit":
        return _bedrooms(p)
    if code == "distance":
        return _place({"in_commune": p["distance_km"] is None, **p})
    if code == "energy_cost":
        if p.get("energy_cents") is None:
            return _("energy bill not estimated")
        return _("estimated energy bill of %(amount)s a month", amount=euros(p["energy_cents"]))
    raise KeyError(code)


def rule_reason(rule: Mapping[str, Any]) -> str:
    """Why a rule passed or failed, in the reader's language."""
    try:
        return _rule(str(rule["rule"]), rule["params"])
    except (KeyError, TypeError, ValueError):
        return str(rule.get("reason", ""))


def component_reason(part: Mapping[str, Any]) -> str:
    """What a score component counted, in the reader's language."""
    try:
        return _component(str(part["name"]), part["params"])
    except (KeyError, TypeError, ValueError):
        return str(part.get("reason", ""))
