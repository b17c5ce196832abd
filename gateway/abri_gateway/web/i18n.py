"""Languages of the web front: French by default, English, Arabic (right to left) and Ukrainian.

Texts are gettext messages (English source strings) translated in ``locale/<lang>/LC_MESSAGES/*.po``,
the format translators' tools (Weblate, Poedit) read; the catalogues are compiled in memory at start.
Dates and amounts are formatted by Babel with the language's CLDR conventions.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Language:
    """A language the pages are offered in."""

    code: str
    name: str
    direction: str  # "ltr" or "rtl"


LANGUAGES: Mapping[str, Language] = {
    "fr": Language("fr", "Français", "ltr"),
    "en": Language("en", "English", "ltr"),
    "ar": Language("ar", "العربية", "rtl"),
    "uk": Language("uk", "Українська", "ltr"),
}
DEFAULT_LANGUAGE = "fr"
SOURCE_LANGUAGE = "en"
"""The messages are written in English in the code; English needs no catalogue."""

_current: contextvars.ContextVar[str] = contextvars.ContextVar("abri_web_language", default=DEFAULT_LANGUAGE)


@cache
def translations(code: str) -> NullTranslations:
    """The language's catalogues (every ``.po`` file of its folder, merged), compiled once."""
    merged: Translations | None = None
    folder = LOCALE_DIR / code / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")) if code != SOURCE_LANGUAGE else []:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        compiled = Translations(buffer)
        merged = compiled if merged is None else merged.merge(compiled)
    return merged if merged is not None else NullTranslations()


def choose(requested: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page's language: asked for in the link, else remembered, else the browser's first offered one,
    else French."""
    for candidate in (requested, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def use(code: str) -> contextvars.Token[str]:
    """Make ``code`` the language of what is rendered next in this task."""
    return _current.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)


def current() -> str:
    """The language being rendered."""
    return _current.get()


def filled(text: str, values: dict[str, Any]) -> str:
    """``text`` with its placeholders filled; a value that ends with a full stop (Ukrainian dates end with
    "р.", for "year") takes the place of the sentence's own, rather than print two."""
    for name, value in values.items():
        if isinstance(value, str) and value.endswith("."):
            text = text.replace(f"%({name})s.", f"%({name})s")
    return text % values


def gettext(message: str, **values: Any) -> str:
    """``message`` in the current language, with ``%(name)s`` placeholders filled."""
    text = translations(current()).gettext(message)
    return filled(text, values) if values else text


def ngettext_text(singular: str, plural: str, count: int) -> str:
    """The singular or plural form the current language uses for ``count``, placeholders left."""
    return translations(current()).ngettext(singular, plural, count)


def ngettext(singular: str, plural: str, count: int, **values: Any) -> str:
    """The singular or plural form the current language uses for ``count``, filled."""
    return filled(ngettext_text(singular, plural, count), {"num": count, **values})


def date_text(value: date | str | None, style: str = "long") -> str:
    """A date as the current language writes it (``12 mars 2027``, ``١٢ مارس ٢٠٢٧``...)."""
    if value in (None, ""):
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return format_date(day, format=style, locale=current())


def datetime_text(value: datetime | str | None, style: str = "medium") -> str:
    """An instant in French time (Europe/Paris), as the current language writes it."""
    if value in (None, ""):
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return format_datetime(moment, format=style, tzinfo=PARIS, locale=current())


def euros(cents: int | None) -> str:
    """An amount of euro cents as the current language writes it (``1 234,50 €``, ``€1,234.50``)."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR", locale=current())


def percent(ratio: float | None) -> str:
    """A ratio as a percentage the current language writes (``33 %``, ``33%``)."""
    return "" if ratio is None else format_percent(ratio, locale=current())


def number(value: float | int | None) -> str:
    """A number as the current language writes it."""
    return "" if value is None else format_decimal(value, locale=current())
