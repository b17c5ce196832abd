"""The visa as a PDF certificate, in French, for the tenant to hand to the owner: a tagged accessible PDF
(PDF/UA-1) rendered by WeasyPrint from the HTML template ``templates/visa.html``.

It states what the owner needs and nothing more: the fund, the number, the holder's name, the maximum
rent + charges, the dates, and where to check it: the web front's public check page (a link and a QR
code of it, with the number filled in). It prints no signed token: an owner checks a visa with its
number and its holder's name, and a long string of letters helps nobody on paper (the token stays
available to software at ``GET /v1/files/{id}/visa``).

Why HTML: WeasyPrint writes the structure tree from the markup (``pdf_variant="pdf/ua-1"``), so a screen
reader gets a heading, paragraphs, a table of label and value rows, a link tied to its annotation, and
the QR code as a figure with its alternative text (the ``alt`` of its ``<img>``); the catalogue gets
``/MarkInfo``, ``/Lang`` (``<html lang>``), the title shown by the viewer, and the XMP metadata names the
PDF/UA part. A test validates the file with veraPDF's PDF/UA-1 profile.

Text uses a Unicode font (DejaVu Sans, Debian's ``fonts-dejavu-core``; ``ABRI_GUARANTEES_VISA_FONT_PATH``),
shaped by Pango and HarfBuzz, so that a name in Latin, Cyrillic or Arabic script prints as written;
without the font file, fontconfig's sans-serif font is used (a warning is logged). Text is left-aligned
and not hyphenated (justified text stretches words apart and is harder to read).

The renderer fetches nothing but the font file and the QR code's ``data:`` address: the holder's and
fund's names are escaped by the template, and no other address is ever read (a refusal fails the
rendering rather than printing a visa without its QR code).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import jinja2
import segno

from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.visa import grouped
from abri_kit.pdf import font_uri, render_pdf, write_pdf

LANGUAGE = "fr"


def euros(cents: int) -> str:
    """1 300,00 € (French grouping with a narrow no-break space, decimal comma)."""
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def check_address(check_url: str, number: str) -> str:
    """The public check page with the visa's number filled in (the number is printed anyway; the name,
    which proves the holder, is typed by the owner and never put in an address)."""
    return f"{check_url}?{urlencode({'number': grouped(number)})}"  # the setting has no query (settings.py)


def qr_alt(address: str) -> str:
    """The QR code's alternative text: what it is for and the address it holds, read out in full."""
    return f"Code QR de la page de vérification : {address}"


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("abri_guarantees", "templates"),
        autoescape=True,  # names come from people: never markup
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("visa.html")


def visa_html(visa: VisaRecord, fund_name: str, holder: str, check_url: str, font: str | None) -> str:
    """The certificate's HTML (``font``: the address of the font file, None for the fallback), apart from
    the rendering so that a test can read what is rendered."""
    address = check_address(check_url, visa.number)
    rows = (
        ("Numéro du visa", grouped(visa.number)),
        ("Titulaire", holder),
        ("Loyer + charges maximum", euros(visa.max_rent_cents) + " par mois"),
        ("Délivré le", french_date(visa.issued_on)),
        ("Valable jusqu'au", french_date(visa.valid_until)),
        *((("Bail à signer au plus tôt le", french_date(visa.lease_not_before)),) if visa.lease_not_before else ()),
        ("Bail à signer au plus tard le", french_date(visa.lease_signing_deadline)),
    )
    return _template().render(
        lang=LANGUAGE,
        title=f"Visa de garantie locative {grouped(visa.number)}",
        fund_name=fund_name,
        rows=rows,
        address=address,
        qr_uri=segno.make(address, error="m").svg_data_uri(scale=6, border=2),
        qr_alt=qr_alt(address),
        font_uri=font,
    )


async def render_visa_pdf(visa: VisaRecord, fund_name: str, holder: str, check_url: str, font_path: Path) -> bytes:
    """``visa_pdf`` off the event loop (about 90 ms of layout), so that the service's other requests go on."""
    font = font_uri(font_path, "visa")
    return await render_pdf(visa_html(visa, fund_name, holder, check_url, font), font, "visa PDF")


def visa_pdf(visa: VisaRecord, fund_name: str, holder: str, check_url: str, font_path: Path) -> bytes:
    font = font_uri(font_path, "visa")
    return write_pdf(visa_html(visa, fund_name, holder, check_url, font), font, "visa PDF")
