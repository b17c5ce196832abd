"""The visa as a PDF certificate (fpdf2), in French, for the tenant to hand to the owner.

It states what the owner needs and nothing more: the fund, the number, the holder's name, the maximum
rent + charges, the dates, how to verify it, and the signed token (``visa_signing.py``) so that the
paper carries its own proof. Text uses a Unicode TrueType font (DejaVu Sans, Debian's
``fonts-dejavu-core``; ``ABRI_GUARANTEES_VISA_FONT_PATH``), shaped by HarfBuzz, so that a name in Latin,
Cyrillic or Arabic script prints as written; without the font file, the PDF falls back to a core font
and names are transliterated.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fpdf import FPDF

from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.visa import grouped

log = logging.getLogger(__name__)
FONT = "visa"


def euros(cents: int) -> str:
    """1 300,00 € (French grouping with a narrow no-break space, decimal comma)."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _latin(text: str) -> str:
    """For a core font: spaces and the euro sign spelled out, accents dropped, other scripts transliterated away."""
    spelled = text.replace("\u202f", " ").replace("\u00a0€", " EUR")
    return unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode() or "?"


def visa_pdf(visa: VisaRecord, fund_name: str, holder: str, token: str, verify_url: str, font_path: Path) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Visa {visa.number}")
    pdf.set_creator("Abri")
    unicode_font = font_path.is_file()
    text: Callable[[str], str]
    if unicode_font:
        pdf.add_font(FONT, fname=str(font_path))
        pdf.set_text_shaping(True)  # HarfBuzz: Arabic joined and right to left, as written
        family, text = FONT, str
    else:
        log.warning("visa font %s not found: core font, names transliterated", font_path)
        family, text = "Helvetica", _latin
    pdf.add_page()
    pdf.set_font(family, size=18)
    pdf.cell(0, 12, text("Visa de garantie locative"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=11)
    pdf.cell(0, 8, text(f"Délivré par : {fund_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = (
        ("Numéro du visa", grouped(visa.number)),
        ("Titulaire", holder),
        ("Loyer + charges maximum", euros(visa.max_rent_cents) + " par mois"),
        ("Délivré le", french_date(visa.issued_on)),
        ("Valable jusqu'au", french_date(visa.valid_until)),
        *((("Bail à signer au plus tôt le", french_date(visa.lease_not_before)),) if visa.lease_not_before else ()),
        ("Bail à signer au plus tard le", french_date(visa.lease_signing_deadline)),
    )
    for label, value in rows:
        pdf.set_font(family, size=11)
        pdf.cell(70, 8, text(label))
        pdf.set_font(family, size=12)
        pdf.cell(0, 8, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, size=10)
    pdf.multi_cell(
        0,
        6,
        text(
            "Le propriétaire vérifie ce visa avec son numéro et le nom du titulaire : "
            f"{verify_url}. La vérification répond valide, expiré ou révoqué, et rien d'autre."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.set_font(family, size=7)
    pdf.multi_cell(0, 4, text("Jeton signé (Ed25519) : " + token), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
