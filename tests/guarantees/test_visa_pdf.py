"""The visa PDF itself (issue 20: "a tagged accessible PDF (PDF/UA) with its text left-aligned, and no raw
token"), rendered without the service: its structure tree as a screen reader reads it, its metadata,
names in other scripts, the fallback font, what the renderer refuses to read. veraPDF's PDF/UA-1 verdict
is in test_visa_pdf_ua.py; the API's tests (test_visas_api.py) check the same file as served, with its
token."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcherResponse

from abri_guarantees.settings import GuaranteesSettings
from abri_guarantees.visa_pdf import check_address, render_visa_pdf, visa_html, visa_pdf
from abri_kit.pdf import fetcher, font_uri
from tests.guarantees.visa_pdf_reading import (
    CHECK_PAGE,
    DEJAVU,
    FUND,
    HOLDER,
    a_visa,
    every_byte,
    font_names,
    qr_matrix_drawn,
    qr_matrix_of,
    reader_of,
    structure,
)

pytestmark = pytest.mark.unit


def text_of(pdf: bytes) -> str:
    """The text as extracted, lines joined by a space (a long value wraps; no-break spaces are kept)."""
    return re.sub(r"[ \n]+", " ", " ".join(page.extract_text() for page in reader_of(pdf).pages))


def test_the_visa_is_a_tagged_pdf_in_french_with_its_title_shown() -> None:
    pdf = visa_pdf(a_visa(), FUND, HOLDER, CHECK_PAGE, DEJAVU)
    reader = reader_of(pdf)
    assert len(reader.pages) == 1  # one sheet to hand over
    root: Any = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "fr"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # the viewer's title bar shows the title
    title = "Visa de garantie locative V012-3456-789A-B"
    assert reader.metadata is not None and reader.metadata.title == title
    xmp = reader.xmp_metadata
    assert xmp is not None and xmp.dc_title == {"x-default": title}
    assert re.search(rb'pdfuaid:part="1"|<pdfuaid:part>1</pdfuaid:part>', xmp.stream.get_data())  # PDF/UA-1 declared

    document = structure(reader)
    [top] = document.children
    assert top.kind == "/Document"
    kinds = [element.kind for element in top.children]
    assert kinds[0] == "/H1" and kinds.count("/P") >= 4 and "/Table" in kinds and "/Figure" in kinds
    every = list(document.walk())
    rows = [element for element in every if element.kind == "/TR"]
    assert len(rows) == 6 and all([cell.kind for cell in row.children] == ["/TH", "/TD"] for row in rows)
    address = check_address(CHECK_PAGE, "V0123456789AB")
    [link] = [element for element in every if element.kind == "/Link"]
    assert link.uris == [address] and link.mcids  # the annotation and the printed address, one element
    [figure] = [element for element in every if element.kind == "/Figure"]
    assert figure.alt == f"Code QR de la page de vérification : {address}"

    text = text_of(pdf)
    for expected in ("Visa de garantie locative", FUND, HOLDER, "V012-3456-789A-B", "1\u202f100,00\u00a0€ par mois", "15/02/2027", address):
        assert expected in text, f"{expected!r} missing from the PDF"
    assert "au plus tôt" not in text  # no earliest signing day unless the visa has one


def test_the_qr_code_drawn_is_the_check_page_with_the_number() -> None:
    reader = reader_of(visa_pdf(a_visa(), FUND, HOLDER, CHECK_PAGE, DEJAVU))
    drawn = qr_matrix_drawn(reader)
    assert drawn == qr_matrix_of(check_address(CHECK_PAGE, "V0123456789AB"))
    assert drawn != qr_matrix_of(check_address(CHECK_PAGE, "V0123456789AC"))  # the reading can tell them apart


def test_a_check_symbol_that_is_not_a_letter_is_encoded_in_the_address() -> None:
    """A number's check symbol may be ``*~$=``: the link and the QR code carry it encoded, the text shows it."""
    pdf = visa_pdf(a_visa(number="V0123456789A="), FUND, HOLDER, CHECK_PAGE, DEJAVU)
    address = f"{CHECK_PAGE}?number=V012-3456-789A-%3D"
    assert check_address(CHECK_PAGE, "V0123456789A=") == address
    reader = reader_of(pdf)
    assert [element.uris for element in structure(reader).walk() if element.uris] == [[address]]
    assert qr_matrix_drawn(reader) == qr_matrix_of(address)
    assert "V012-3456-789A-=" in text_of(pdf) and address in text_of(pdf)


def test_the_text_is_left_aligned_and_never_justified_nor_hyphenated() -> None:
    html = visa_html(a_visa(), FUND, HOLDER, CHECK_PAGE, font_uri(DEJAVU))
    [style] = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    assert "justify" not in style and "text-align: left" in style and "hyphens: none" in style
    assert re.search(r"^body, h1, p, th, td \{ text-align: left; hyphens: none; \}$", style, flags=re.MULTILINE)
    assert "align=" not in html and 'style="' not in html  # no attribute or inline style overrides it


def test_a_holder_named_in_arabic_or_cyrillic_script_prints_as_written_in_the_configured_font() -> None:
    for holder in ("فاطمة الزهراء", "Оксана Коваленко"):
        pdf = visa_pdf(a_visa(), FUND, holder, CHECK_PAGE, DEJAVU)
        assert holder in text_of(pdf)
        fonts = font_names(reader_of(pdf))
        assert fonts and all(font.endswith("+Abri-Visa") for font in fonts), fonts  # the font file, embedded


def test_without_the_font_file_the_visa_falls_back_to_a_system_font_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "no-such-font.ttf"
    with caplog.at_level(logging.WARNING, logger="abri_kit.pdf"):
        pdf = visa_pdf(a_visa(), FUND, "Оксана Коваленко", CHECK_PAGE, missing)
    assert any(str(missing) in record.getMessage() for record in caplog.records)
    assert "Оксана Коваленко" in text_of(pdf)
    fonts = font_names(reader_of(pdf))
    assert fonts and not any(font.endswith("+Abri-Visa") for font in fonts)
    assert "@font-face" not in visa_html(a_visa(), FUND, HOLDER, CHECK_PAGE, font_uri(missing))


def test_names_are_text_never_markup_and_the_renderer_reads_nothing_else(tmp_path: Path) -> None:
    """A name is escaped; and were markup to slip in, the renderer reads only the font and ``data:``
    addresses, and a refused address stops the rendering rather than leaving a hole in the visa."""
    holder = '<img src="file:///etc/hostname"> <a href="https://evil.example">Eve</a>'
    pdf = visa_pdf(a_visa(), FUND, holder, CHECK_PAGE, DEJAVU)
    assert holder in text_of(pdf)
    assert [element.uris for element in structure(reader_of(pdf)).walk() if element.uris] == [[check_address(CHECK_PAGE, "V0123456789AB")]]
    only = fetcher(DEJAVU.as_uri(), "visa PDF")
    assert isinstance(only.fetch(DEJAVU.as_uri()), URLFetcherResponse)
    assert isinstance(only.fetch("data:text/plain,ok"), URLFetcherResponse)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the visa")
    for refused in (secret.as_uri(), "https://abri.example/logo.png", "http://127.0.0.1:9/x"):
        with pytest.raises(ValueError, match="reads no other address"):
            only.fetch(refused)


def test_no_signed_token_or_api_address_is_anywhere_in_the_file() -> None:
    pdf = visa_pdf(a_visa(), FUND, HOLDER, CHECK_PAGE, DEJAVU)
    everything = every_byte(reader_of(pdf), pdf)
    for absent in (b"eyJ", b"/api/", b"/v1/", b"Jeton", b"Ed25519", b"token"):  # a JWS starts with eyJ ({")
        assert absent not in everything, absent


def test_a_rendering_that_would_read_another_address_stops() -> None:
    """The fetcher is the one WeasyPrint uses: markup that asks for a file stops the rendering."""
    for refused in ("file:///etc/hostname", "http://127.0.0.1:9/logo.png"):
        with pytest.raises(FatalURLFetchingError):
            HTML(string=f'<img src="{refused}" alt="">', url_fetcher=fetcher(None, "visa PDF")).write_pdf()


async def test_visas_rendered_at_once_off_the_event_loop_are_each_whole() -> None:
    """Several downloads at once: each PDF is laid out in a worker thread (two at a time) and whole."""
    holders = ("Awa Diallo", "Оксана Коваленко", "مريم العلوي", "Jean Dupont", "Lê Thị Hoa")
    pdfs = await asyncio.gather(*(render_visa_pdf(a_visa(), FUND, holder, CHECK_PAGE, DEJAVU) for holder in holders))
    for holder, pdf in zip(holders, pdfs, strict=True):
        assert pdf.startswith(b"%PDF-") and holder in text_of(pdf)


@pytest.mark.parametrize(
    "page",
    ["javascript:alert(1)", "file:///etc/passwd", "https://abri.example/check?x=1", "https://abri.example/check#top", "/visa-check"],
)
def test_the_check_page_setting_is_an_http_address_without_query_or_fragment(page: str) -> None:
    with pytest.raises(ValidationError, match="visa check page"):
        GuaranteesSettings(visa_check_page=page)
