"""Tagged PDFs (PDF/UA-1) written by WeasyPrint from a service's HTML, reading nothing but a font file and
``data:`` addresses.

WeasyPrint writes the structure tree from the markup (``pdf_variant="pdf/ua-1"``): headings, paragraphs,
tables, figures with their alternative text, the document's language from ``<html lang>``. The fetcher
serves the font file and ``data:`` addresses only; any other address fails the rendering (a name typed by a
person can never make the renderer read a file or call a server). Layouts run in worker threads, two at a
time: WeasyPrint, Pango and fontconfig promise no safety for many threads at once, and each layout holds its
fonts in memory (a burst of downloads waits its turn). WeasyPrint is imported when a PDF is first written:
services that write none never load it (the kit's ``pdf`` extra).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import anyio.to_thread
from anyio import CapacityLimiter

log = logging.getLogger(__name__)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # seven INFO lines a PDF, of no use in a service's log
PDF_VARIANT = "pdf/ua-1"
_LAYOUTS = CapacityLimiter(2)


def font_uri(font_path: Path, what: str = "PDF") -> str | None:
    """The font file's address, or None (and a warning) when it is missing: the fallback font is used."""
    if font_path.is_file():
        return font_path.resolve().as_uri()
    log.warning("%s font %s not found: the system's sans-serif font is used", what, font_path)
    return None


def fetcher(font: str | None, what: str = "PDF") -> Any:
    """WeasyPrint's fetcher serving ``font`` (a file address, or None) and ``data:`` addresses; any other address is
    refused, and the refusal stops the rendering (``fail_on_errors``)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OnlyFontAndData(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=True)

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:") or (font is not None and url == font):
                return super().fetch(url, headers)
            raise ValueError(f"the {what} reads no other address: {url[:80]}")

    return OnlyFontAndData()


def write_pdf(html: str, font: str | None, what: str = "PDF") -> bytes:
    """The tagged PDF of ``html`` (``font``: the only file address it may read)."""
    from weasyprint import HTML

    pdf = HTML(string=html, url_fetcher=fetcher(font, what)).write_pdf(pdf_variant=PDF_VARIANT)
    if not isinstance(pdf, bytes):  # write_pdf returns the bytes when given no target
        raise TypeError("WeasyPrint wrote no PDF")
    return pdf


async def render_pdf(html: str, font: str | None, what: str = "PDF") -> bytes:
    """:func:`write_pdf` off the event loop (tens of milliseconds of layout), so that other requests go on."""
    return await anyio.to_thread.run_sync(write_pdf, html, font, what, limiter=_LAYOUTS)
