"""Words for the codes the services answer with (statuses, kinds, schemes, rules, reasons), in the
current language. A code without a label shows as itself, so a new code never breaks a page."""

from __future__ import annotations

from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.i18n import ngettext, number

SCHEMES = (
    "intermediated_letting",
    "management_mandate",
    "sliding_lease",
    "loc_avantages_1",
    "loc_avantages_2",
    "loc_avantages_3",
    "direct_lease",
    "intergenerational_cohabitation",
)
"""The ways a unit is let (``abri_contracts.listings.LettingScheme``), in the order pages offer them."""
ACCESSIBILITY = ("step_free_access", "accessible_bathroom", "wide_doors", "ground_floor", "lift_access")
"""The accessibility features of a unit (the listings API's ``Accessibility``)."""


def words() -> dict[str, dict[str, str]]:
    """Labels by kind of code."""
    return {
        "unit_status": {
            "draft": _("Draft"),
            "published": _("Published"),
            "reserved": _("Reserved"),
            "let": _("Let"),
            "withdrawn": _("Withdrawn"),
        },
        "kind": {"studio": _("Studio"), "apartment": _("Apartment"), "house": _("House"), "room": _("Room")},
        "main_energy": {
            "electricity": _("Electricity"),
            "natural_gas": _("Natural gas"),
            "fuel_oil": _("Heating oil"),
            "propane": _("Propane"),
            "wood_pellets": _("Wood pellets"),
            "wood_logs": _("Wood logs or chips"),
            "district_heating": _("District heating"),
        },
        "scheme": {
            "intermediated_letting": _("Intermediated letting"),
            "management_mandate": _("Management mandate"),
            "sliding_lease": _("Sliding lease"),
            "loc_avantages_1": _("Loc'Avantages (Loc1)"),
            "loc_avantages_2": _("Loc'Avantages (Loc2)"),
            "loc_avantages_3": _("Loc'Avantages (Loc3)"),
            "direct_lease": _("Direct lease"),
            "intergenerational_cohabitation": _("Intergenerational cohabitation"),
        },
        "accessibility": {
            "step_free_access": _("Step-free access"),
            "accessible_bathroom": _("Accessible bathroom"),
            "wide_doors": _("Wide doors"),
            "ground_floor": _("Ground floor"),
            "lift_access": _("Lift access"),
        },
        "space_kind": {
            "kitchen": _("Kitchen"),
            "living_room": _("Living room"),
            "bathroom": _("Bathroom"),
            "wc": _("WC"),
            "other": _("Other shared space"),
        },
        "lease_form": {
            "individual": _("A lease for each occupant"),
            "shared": _("One lease signed by all the co-tenants"),
        },
        "condition": condition_words(),
        "meter": meter_words(),
        "inventory_kind": {"move_in": _("Move-in inventory"), "move_out": _("Move-out inventory")},
        "placement_status": {
            "proposed": _("Proposed"),
            "accepted": _("Accepted"),
            "awaiting_guarantee": _("Awaiting the guarantee"),
            "guaranteed": _("Guaranteed"),
            "lease_signed": _("Lease signed"),
            "slid": _("Lease slid to the household"),
            "declined": _("Declined"),
            "expired": _("Expired"),
            "guarantee_rejected": _("Guarantee rejected"),
            "withdrawn": _("Withdrawn"),
        },
        "decline_reason": {
            "unit_no_longer_available": _("The unit is no longer available"),
            "prefers_another_proposal": _("I prefer another proposal"),
            "guarantee_insufficient": _("The guarantee is not enough"),
            "other": _("Another reason"),
        },
        "resources_band": {
            "under 800 €": _("under 800 € a month"),
            "800 to 1,200 €": _("800 to 1,200 € a month"),
            "1,200 to 1,800 €": _("1,200 to 1,800 € a month"),
            "1,800 to 2,500 €": _("1,800 to 2,500 € a month"),
            "2,500 € or more": _("2,500 € a month or more"),
        },
        "file_status": {
            "ineligible": _("Not eligible"),
            "under_review": _("Under review"),
            "information_requested": _("Information requested"),
            "resubmitted": _("Resubmitted"),
            "approved": _("Approved"),
            "rejected": _("Rejected"),
            "withdrawn": _("Withdrawn"),
        },
        "guarantee_status": {"active": _("Active"), "ended": _("Ended")},
        "claim_status": {"filed": _("Filed"), "validated": _("Validated"), "paid": _("Paid"), "rejected": _("Rejected")},
        "visa_check": {
            "valid": _("Valid: this visa is in force for this holder."),
            "expired": _("Expired: this visa is no longer in force."),
            "revoked": _("Revoked: the fund withdrew this visa."),
            "unknown": _("Unknown: no visa with this number for this name."),
        },
    }


def condition_words() -> dict[str, str]:
    """The conditions an inventory records for an item (matching's ``Condition``)."""
    return {
        "new": _("New"),
        "good": _("Good condition"),
        "fair": _("Normal wear"),
        "poor": _("Poor condition"),
        "unusable": _("Unusable"),
    }


def meter_words() -> dict[str, str]:
    """The meters an inventory reads (matching's ``Meter``)."""
    return {
        "electricity": _("Electricity"),
        "gas": _("Gas"),
        "cold_water": _("Cold water"),
        "hot_water": _("Hot water"),
        "heating": _("Heating"),
    }


def label(kind: str, code: object) -> str:
    """The word for ``code`` (a code without one shows as itself)."""
    return words().get(kind, {}).get(str(code), str(code))


def options(codes: object, kind: str) -> list[tuple[str, str]]:
    """(code, word) pairs for a select or a checkbox group."""
    return [(str(code), label(kind, code)) for code in codes]  # type: ignore[attr-defined]


def content_type_words(content_type: object) -> str:
    """A document's type in words ("PDF document"), never its MIME type."""
    known = {"application/pdf": _("PDF document"), "image/jpeg": _("JPEG image"), "image/png": _("PNG image")}
    return known.get(str(content_type).split(";")[0].strip().lower(), _("Another kind of file"))


def size_words(size: object) -> str:
    """A size in bytes as people read it: bytes below a kilobyte (a small file is never "0 kB"), then kilobytes
    and megabytes with one decimal, in the language's way of writing numbers."""
    try:
        count = int(str(size))
    except ValueError:
        return ""
    if count < 1024:
        return ngettext("%(num)d byte", "%(num)d bytes", count)
    if count < 1024 * 1024:
        return _("%(size)s kB", size=number(round(count / 1024, 1)))
    return _("%(size)s MB", size=number(round(count / (1024 * 1024), 1)))


def document_name(kind: object, sub_kind: object = None) -> str:
    """A guarantee file's document in words: the document it is (a passport), else its category (an identity
    document). The words are the association's (``pages/association/words.py``), which every role reads."""
    from abri_gateway.web.pages.association.words import term  # the pages' words: imported when a page renders

    if sub_kind:
        return term("document_sub_kind", sub_kind)
    return term("document_kind", kind)
