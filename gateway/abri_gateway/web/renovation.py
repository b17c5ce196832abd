"""What the letting-ban calendar means for an owner whose home is rated E, F or G, and the public aids to
renovate it, in the reader's language, each with the page that says more (sources and the day they were
checked: ``docs/domain-rules.md``, "Renovation aids shown to owners").

Information, not rules: the ban date itself comes from listings (``letting_banned_from``); the rent freeze
and the aids are stated as their texts and official pages say, with their conditions in short, and the
owner is sent to France Rénov' for advice and for local aids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from abri_gateway.web.i18n import gettext as _

FROZEN_RENT_CLASSES = frozenset({"F", "G"})
"""Loi 2021-1104 (Climat et résilience), art. 159, amending loi 89-462, art. 17, 17-1 and 17-2: the rent of an
F or G home is not raised (no increase at re-letting or renewal, no yearly revision) for leases signed from
24 August 2022 in mainland France and from 1 July 2024 overseas."""
RENOVATION_CLASSES = frozenset({"E", "F", "G"})
"""MaPrimeRénov' rénovation d'ampleur: homes rated E, F or G before the works."""


@dataclass(frozen=True)
class Aid:
    key: str
    url: str


AIDS = (
    Aid("maprimerenov_ampleur", "https://france-renov.gouv.fr/aides/maprimerenov-renovation-ampleur"),
    Aid("eco_ptz", "https://www.service-public.fr/particuliers/vosdroits/F19905"),
    Aid("cee_coup_de_pouce", "https://www.ecologie.gouv.fr/politiques-publiques/coup-pouce-chauffage"),
    Aid("loc_avantages_works", "https://france-renov.gouv.fr/aides/loc-avantages"),
    Aid("france_renov", "https://france-renov.gouv.fr/preparer-projet/trouver-conseiller"),
)


def aid_words(key: str) -> tuple[str, str]:
    """An aid's name and what it gives, on what conditions, in the current language."""
    words = {
        "maprimerenov_ampleur": (
            _("MaPrimeRénov' major renovation (Anah)"),
            _(
                "For homes rated E, F or G that gain at least two classes, with a Mon Accompagnateur Rénov' adviser: part of"
                " the works paid, by the owner's income; a landlord lets the home as a main residence for 6 years after."
            ),
        ),
        "eco_ptz": (
            _("Zero-rate eco-loan (éco-PTZ)"),
            _("A loan without interest for energy works by a certified (RGE) firm, up to €50,000, open to landlords."),
        ),
        "cee_coup_de_pouce": (
            _("Energy savings certificates: Coup de pouce Chauffage"),
            _("A premium from energy suppliers for replacing an oil, coal or gas boiler by a heat pump or a heating network."),
        ),
        "loc_avantages_works": (
            _("Loc'Avantages with works (Anah)"),
            _(
                "A tax reduction for letting below the market rent, and an Anah works subsidy; an F or G home qualifies once"
                " the works bring it to E or better."
            ),
        ),
        "france_renov": (
            _("France Rénov' advisers"),
            _("A free public adviser near the home: which aids fit, the local ones included, and how to apply."),
        ),
    }
    return words[key]


def renovation_of(unit: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the unit page tells the owner of an E, F or G home: the ban date (from listings), whether its rent is
    frozen, and the aids; None for a better-rated home."""
    if not unit or unit.get("energy_class") not in RENOVATION_CLASSES:
        return None
    return {
        "banned_from": unit.get("letting_banned_from"),
        "rent_frozen": unit.get("energy_class") in FROZEN_RENT_CLASSES,
        "aids": [{"url": aid.url, "name": aid_words(aid.key)[0], "what": aid_words(aid.key)[1]} for aid in AIDS],
    }
