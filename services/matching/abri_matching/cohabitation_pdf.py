"""An intergenerational cohabitation contract as a PDF, from the placement's data (CCH art. L631-17): the parties,
the room, the duration and the modest counterpart agreed, the small services, the month's notice, and the charter's
summary, in the reader's language (French by default; English, Arabic right to left, Ukrainian): a tagged PDF
(PDF/UA-1, ``abri_kit.pdf``) from ``templates/cohabitation.html``. The host's name and the home's street are left
for the parties to write: matching holds neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import jinja2

from abri_matching.cohabitation_words import charter_in, words_in
from abri_matching.inventory_words import RIGHT_TO_LEFT, Language


@dataclass(frozen=True)
class Agreement:
    """What the contract prints, as matching holds it."""

    young_name: str | None
    """The person hosted, from the household's sealed identity (None: not recorded, or erased)."""
    association: str
    area_m2: float | None
    place: str
    starts_on: date
    ends_on: date
    monthly_cents: int
    services: tuple[str, ...]
    signed_on: date


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("abri_matching", "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return environment.get_template("cohabitation.html")


def _amount(cents: int, language: Language) -> str:
    euros = (Decimal(cents) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    written = f"{euros:.2f}"
    return f"€{written}" if language == "en" else f"{written.replace('.', ',')} €"


def agreement_html(agreement: Agreement, language: Language, font: str | None) -> str:
    """The contract's HTML in ``language`` (``font``: the font file's address, None for the fallback)."""
    words = words_in(language)
    area = f"{agreement.area_m2:g}" if agreement.area_m2 else "…"
    return _template().render(
        lang=language,
        rtl=language in RIGHT_TO_LEFT,
        w=words,
        young_name=agreement.young_name,
        association=agreement.association,
        room_text=words["room_text"].format(area=area, place=agreement.place),
        duration_text=words["duration_text"].format(start=agreement.starts_on.isoformat(), end=agreement.ends_on.isoformat()),
        counterpart_text=words["counterpart_text"].format(amount=_amount(agreement.monthly_cents, language)),
        services=list(agreement.services),
        signed_on=agreement.signed_on.isoformat(),
        charter=charter_in(language),
        font_uri=font,
    )
