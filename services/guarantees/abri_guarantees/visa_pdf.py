"""The visa as a PDF certificate (fpdf2), in French, for the tenant to hand to the owner.

It states what the owner needs and nothing more: the fund, the number, the holder's name, the maximum
rent + charges, the dates, and where to check it: the web front's public check page (a link and a QR
code of it, with the number filled in). It prints no signed token: an owner checks a visa with its
number and its holder's name, and a long string of letters helps nobody on paper (the token stays
available to software at ``GET /v1/files/{id}/visa``).

Text uses a Unicode TrueType font (DejaVu Sans, Debian's ``fonts-dejavu-core``;
``ABRI_GUARANTEES_VISA_FONT_PATH``), shaped by HarfBuzz, so that a name in Latin, Cyrillic or Arabic
script prints as written; without the font file, the PDF falls back to a core font and names are
transliterated. Text is left-aligned (justified text stretches words apart and is harder to read).

The PDF is tagged as far as fpdf2 allows (it has no public tagging API, issue py-pdf/fpdf2#355): every
piece of content sits in a marked sequence of a structure element (a heading ``H1``, paragraphs ``P``,
the link ``Link``, the QR code a ``Figure`` with its alternative text), under one ``Document``
element; the catalogue has ``/MarkInfo``, ``/Lang fr-FR``, the title in its metadata, shown by the
viewer (``DisplayDocTitle``). What is not done (fpdf2 cannot): the link annotation has no ``/OBJR`` in
the tree, there is no XMP PDF/UA identifier, and no validator (veraPDF) is run, so the file claims no
PDF/UA conformance.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import segno
from fpdf import FPDF, ViewerPreferences

from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.visa import grouped

log = logging.getLogger(__name__)
FONT = "visa"
LANGUAGE = "fr-FR"


def euros(cents: int) -> str:
    """1 300,00 € (French grouping with a narrow no-break space, decimal comma)."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def check_address(check_url: str, number: str) -> str:
    """The public check page with the visa's number filled in (the number is printed anyway; the name,
    which proves the holder, is typed by the owner and never put in an address)."""
    return f"{check_url}?{urlencode({'number': grouped(number)})}"


def _latin(text: str) -> str:
    """For a core font: spaces and the euro sign spelled out, accents dropped, other scripts transliterated away."""
    spelled = text.replace("\u202f", " ").replace("\u00a0€", " EUR")
    return unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode() or "?"


class TaggedPDF(FPDF):
    """fpdf2 with marked content for text: ``tagged("/P")`` wraps what is drawn inside it in a structure
    element of that type (fpdf2's own ``_marked_sequence`` only makes figures)."""

    @contextmanager
    def tagged(self, struct_type: str) -> Iterator[None]:
        """A marked sequence is one page's: no automatic page break inside it (a long name ending on the
        next page would split the sequence), and it is closed whatever happens inside."""
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=struct_type, mcid=mcid)
        self._out(f"{struct_type} <</MCID {mcid}>> BDC")
        breaking, margin = self.auto_page_break, self.b_margin
        self.set_auto_page_break(False)
        try:
            yield
        finally:
            self._out("EMC")
            self.set_auto_page_break(breaking, margin)


def visa_pdf(visa: VisaRecord, fund_name: str, holder: str, check_url: str, font_path: Path) -> bytes:
    pdf = TaggedPDF(format="A4")
    title = f"Visa de garantie locative {grouped(visa.number)}"
    pdf.set_title(title)
    pdf.set_subject(f"Visa de garantie délivré par {fund_name}")
    pdf.set_lang(LANGUAGE)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
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
    with pdf.tagged("/H1"):
        pdf.set_font(family, size=18)
        pdf.cell(0, 12, text("Visa de garantie locative"), new_x="LMARGIN", new_y="NEXT")
    with pdf.tagged("/P"):
        pdf.set_font(family, size=11)
        pdf.multi_cell(0, 8, text(f"Délivré par : {fund_name}"), align="L", new_x="LMARGIN", new_y="NEXT")
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
        with pdf.tagged("/P"):  # read as "label : value", one paragraph a line
            pdf.set_font(family, size=11)
            pdf.cell(70, 8, text(f"{label} :"))
            pdf.set_font(family, size=12)
            pdf.multi_cell(0, 8, text(value), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    address = check_address(check_url, visa.number)
    pdf.set_font(family, size=11)
    with pdf.tagged("/P"):
        pdf.multi_cell(
            0,
            6,
            text(
                "Vous êtes propriétaire ? Vérifiez ce visa sur la page publique d'Abri, sans compte : "
                "saisissez le numéro du visa et le nom du titulaire. La page répond « valide », « expiré » "
                "ou « révoqué », et rien d'autre."
            ),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    with pdf.tagged("/Link"):
        pdf.set_text_color(0, 0, 145)
        pdf.multi_cell(0, 6, address, align="L", link=address, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    qr = io.BytesIO()
    segno.make(address, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, w=40, alt_text=f"Code QR de la page de vérification : {address}")
    with pdf.tagged("/P"):
        pdf.set_font(family, size=10)
        pdf.multi_cell(0, 6, text("Ce code QR ouvre la même page, avec le numéro déjà saisi."), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
