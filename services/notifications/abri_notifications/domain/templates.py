"""The message catalogue and its rendering in the reader's language.

Each template key (``<reader>.<what happened>``, see ``routing``) has, per language, a short subject, a
short body in plain words and, for the few messages that ask for an action, an SMS text. The texts are
written in English in :mod:`.texts` and translated in gettext catalogues,
``../locale/<lang>/LC_MESSAGES/notifications.po`` (the format of Poedit and Weblate, one toolchain with the
web front's: ``docs/notifications.md``, "Languages"). The catalogues are read and compiled in memory once,
when the module loads (at start); :data:`CATALOGUE` then holds every template in every language, and
rendering reads no file. French is the default language; English, Arabic (right to left) and Ukrainian
follow.

Placeholders are ``{name}``: a plain field name, nothing else (no attribute access, index, conversion or
format spec), the same in every language (both checked when the module loads), filled from the event's
data (the contract model's ``model_dump()``, Python values, not JSON).

Subjects have no placeholders: they show in inbox lists and on locked screens. SMS texts carry at most a
date (``minimisation``). Values are formatted for the reader's language with Babel:

- ``date`` → long date (``format_date(..., format="long")``: "29 mars 2026");
- aware ``datetime`` → long date and short time in the reader's zone ("31 mars 2026, 10:00");
- ``int`` in a field named ``*_cents`` → an amount in euros (``format_currency``, exact ``Decimal``);
- other ``int`` → a number; ``str``, ``UUID`` → as given;
- a coded field (:data:`CODES`: reasons, outcomes, bands) → its phrase in the language (a list → a
  list in words, "a, b et c"); a code not in the table is shown as it is (a producer may add a code
  before the catalogue knows it; a code is never personal data).

A value missing for a placeholder (or ``None``) raises :class:`MissingValue`: the service treats it as a
bug, never sends a message with a hole in it. One exception, written in the catalogue: a template with an
``unnamed`` body (``texts.Message``) names the home by ``{postal_code} {commune}``, which older events
lack; for such an event the ``unnamed`` body, the same text about "your home", is rendered instead.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from abri_notifications.domain import homes, texts
from abri_notifications.domain.texts import Message as Message  # one template in one language (re-exported)

LANGUAGES = ("fr", "en", "ar", "uk")
DEFAULT_LANGUAGE = "fr"
LOCALES: Mapping[str, str] = {"fr": "fr_FR", "en": "en_GB", "ar": "ar", "uk": "uk_UA"}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_ZONE = "Europe/Paris"
SMS_MAX_CHARS = 160
"""One SMS of the GSM alphabet. Arabic and Cyrillic texts travel as UCS-2 (70 characters a segment), so
the provider may split them; the limit keeps every text short in any case."""
CURRENCY = "EUR"
SOURCE_LANGUAGE = "en"
"""The language the texts are written in (:mod:`.texts`); it needs no catalogue."""
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "notifications"
"""The catalogues' gettext domain: ``LOCALE_DIR/<lang>/LC_MESSAGES/notifications.po``."""


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    INBOX = "inbox"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class Rendered:
    """A message ready for a channel: ``text`` is what the channel sends as plain text (the body, or the
    SMS text on the SMS channel), ``html`` the same text escaped in ``<p dir lang>`` paragraphs."""

    subject: str
    text: str
    html: str
    sms: str | None
    direction: Literal["ltr", "rtl"]
    language: str


class TemplateError(Exception):
    """A template that cannot be rendered as asked: a bug in the catalogue or in its caller."""


class UnknownTemplate(TemplateError):
    def __init__(self, template: str) -> None:
        super().__init__(f"no template {template!r} in the catalogue")
        self.template = template


class MissingValue(TemplateError):
    def __init__(self, template: str, language: str, field: str) -> None:
        super().__init__(f"template {template!r} ({language}) needs a value for {field!r}")
        self.template = template
        self.language = language
        self.field = field


def catalogue_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    """Where the language's catalogue is."""
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    """The language's catalogue, parsed; a line that does not parse raises ``babel``'s ``PoFileError``
    (the service does not start on a broken catalogue)."""
    with catalogue_path(language, locale_dir).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)


@cache
def translations(language: str) -> NullTranslations:
    """The language's catalogue compiled in memory, once, as the web front's (``read_po`` then
    ``write_mo``: no ``.mo`` file is shipped). A text it lacks, or whose translation is empty or fuzzy,
    falls back to French, then to the English source; the translation test allows none."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(language))
    buffer.seek(0)
    compiled = Translations(buffer, domain=DOMAIN)
    if language != DEFAULT_LANGUAGE:
        compiled.add_fallback(translations(DEFAULT_LANGUAGE))
    return compiled


def _translated(source: Message, language: str) -> Message:
    gettext = translations(language).gettext
    return Message(
        gettext(source.subject),
        gettext(source.body),
        None if source.sms is None else gettext(source.sms),
        None if source.unnamed is None else gettext(source.unnamed),
    )


CATALOGUE: Mapping[str, Mapping[str, Message]] = {
    key: {language: _translated(source, language) for language in LANGUAGES} for key, source in texts.TEMPLATES.items()
}
"""Every message: template key → language → :class:`Message` (:data:`texts.TEMPLATES` translated)."""

CODES: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    field: {code: {language: translations(language).gettext(phrase) for language in LANGUAGES} for code, phrase in phrases.items()}
    for field, phrases in texts.CODES.items()
}
"""Fields whose values are codes, shown in words: field → code → language → phrase (booleans as
``"true"`` / ``"false"``; :data:`texts.CODES` translated)."""

REASONS = CODES["reason"]
"""Coded reasons of every event, in words (one vocabulary: a code means the same wherever it appears)."""

DIGEST_TEMPLATE = "owner.daily_digest"

_FORMATTER = Formatter()


def placeholders(text: str) -> frozenset[str]:
    """The placeholder names of a text; raises :class:`TemplateError` on anything but a plain ``{name}``."""
    names = set()
    for _, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if not (name.isidentifier() and name.isascii()) or spec or conversion:
            raise TemplateError(
                f"placeholder {{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} is not a plain name"
            )
        names.add(name)
    return frozenset(names)


def fields_of(template: str, channel: Channel | str) -> frozenset[str]:
    """The placeholders the template uses on a channel (in English, which every language matches)."""
    message = _entries(template)[SOURCE_LANGUAGE]
    if Channel(channel) is Channel.SMS:
        return placeholders(message.sms) if message.sms is not None else frozenset()
    return placeholders(message.body)


def has_sms(template: str) -> bool:
    """Whether the template has an SMS text (only messages that ask for an action do)."""
    return _entries(template)[SOURCE_LANGUAGE].sms is not None


def language_of(tag: str | None) -> str:
    """The catalogue language for a language tag (``"fr-FR"``, ``"ar_MA"``, ``"UK"``): its primary
    subtag when the catalogue has it, else French."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def direction_of(language: str) -> Literal["ltr", "rtl"]:
    return "rtl" if language_of(language) in RIGHT_TO_LEFT else "ltr"


def subject(template: str, language: str | None) -> str:
    """The template's subject in the language (subjects have no placeholders)."""
    return _message(template, language_of(language)).subject


def render(
    template: str,
    language: str | None,
    values: Mapping[str, Any],
    channel: Channel | str,
    *,
    zone: str = DEFAULT_ZONE,
    home: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> Rendered:
    """The template in the reader's language (French when the language is not in the catalogue), for a
    channel: the SMS text on the SMS channel, else the body. Times are shown in ``zone``, the reader's.
    Below the body (not an SMS), the home the message is about (``home``: ``homes.py``) and the address of
    the page where the reader acts (``url``: ``links.py``), each on a line of its own (:func:`footer`).

    Raises :class:`UnknownTemplate`, :class:`MissingValue` (a placeholder without a value), and
    :class:`TemplateError` for an SMS asked of a template that has none."""
    lang = language_of(language)
    message = _message(template, lang)
    sms: str | None = None
    if Channel(channel) is Channel.SMS:
        if message.sms is None:
            raise TemplateError(f"template {template!r} has no SMS text")
        text = sms = _fill(message.sms, template, lang, values, zone)
    else:
        text = _fill(body_for(message, values), template, lang, values, zone)
        below = footer(lang, home, url)
        text = f"{text}\n\n{below}" if below else text
    direction = direction_of(lang)
    return Rendered(subject=message.subject, text=text, html=to_html(text, lang), sms=sms, direction=direction, language=lang)


def home_text(home: Mapping[str, Any] | None, language: str | None) -> str | None:
    """The home in words in the language ("un appartement à Paris (75011)"), ``None`` when nothing names it."""
    phrase = homes.home_phrase(home or {})
    if phrase is None:
        return None
    source, place = phrase
    return translations(language_of(language)).gettext(source).replace("{place}", place)


def footer(language: str | None, home: Mapping[str, Any] | None, url: str | None) -> str:
    """The lines below a message's body: the home it is about, the page where its reader acts."""
    gettext = translations(language_of(language)).gettext
    named = home_text(home, language)
    lines = [gettext(texts.HOME_LINE).replace("{home}", named)] if named else []
    if url:
        lines.append(gettext(texts.OPEN_LINE).replace("{url}", url))
    return "\n".join(lines)


def body_for(message: Message, values: Mapping[str, Any]) -> str:
    """The body to fill with ``values``: ``message.body``, or its ``unnamed`` body when the values lack only
    what the body alone names (the home's postal code and commune, absent from older events)."""
    if message.unnamed is None:
        return message.body
    lacking = {name for name in placeholders(message.body) if values.get(name) is None}
    return message.unnamed if lacking and lacking <= placeholders(message.body) - placeholders(message.unnamed) else message.body


def to_html(text: str, language: str) -> str:
    """Plain text as minimal HTML: escaped, one ``<p dir lang>`` per paragraph, line breaks kept."""
    attributes = f'dir="{direction_of(language)}" lang="{language_of(language)}"'
    paragraphs = [part for part in text.split("\n\n") if part.strip()]
    return "\n".join(f"<p {attributes}>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)


def format_value(field: str, value: Any, language: str, zone: str = DEFAULT_ZONE) -> str:
    """One value as the reader reads it (see the module docstring for the rules by type)."""
    lang = language_of(language)
    locale = LOCALES[lang]
    if field in CODES:
        if isinstance(value, list | tuple | frozenset | set):
            return format_list([_code(field, item, lang) for item in value], locale=locale)
        return _code(field, value, lang)
    if isinstance(value, bool):
        raise TemplateError(f"{field!r}: a yes/no value is shown only through CODES")
    if isinstance(value, int) and field.endswith("_cents"):
        return format_currency(Decimal(value).scaleb(-2), CURRENCY, locale=locale)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TemplateError(f"{field!r}: times carry their time zone")
        local = value.astimezone(ZoneInfo(zone))
        pattern = str(get_datetime_format("long", locale=locale)).replace("'", "")
        return pattern.replace("{0}", format_time(local, "short", locale=locale)).replace("{1}", format_date(local, "long", locale=locale))
    if isinstance(value, date):
        return format_date(value, format="long", locale=locale)
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    if isinstance(value, str | UUID):
        return str(value)
    raise TemplateError(f"{field!r}: cannot show a {type(value).__name__}")


def _code(field: str, value: Any, language: str) -> str:
    key = str(value).lower() if isinstance(value, bool) else str(value)
    phrases = CODES[field].get(key)
    return phrases[language] if phrases is not None else key


def _fill(text: str, template: str, language: str, values: Mapping[str, Any], zone: str) -> str:
    parts: list[str] = []
    for literal, name, _, _ in _FORMATTER.parse(text):
        parts.append(literal)
        if name is not None:
            if values.get(name) is None:
                raise MissingValue(template, language, name)
            parts.append(format_value(name, values[name], language, zone))
    return "".join(parts)


def _entries(template: str) -> Mapping[str, Message]:
    entries = CATALOGUE.get(template)
    if entries is None:
        raise UnknownTemplate(template)
    return entries


def _message(template: str, language: str) -> Message:
    entries = _entries(template)
    return entries.get(language) or entries[DEFAULT_LANGUAGE]


def _check(catalogue: Mapping[str, Mapping[str, Message]]) -> None:
    for key, entries in catalogue.items():
        source = entries[SOURCE_LANGUAGE]
        for language, message in entries.items():
            if placeholders(message.subject):
                raise TemplateError(f"{key} ({language}): a subject has no placeholders")
            if placeholders(message.body) != placeholders(source.body):
                raise TemplateError(f"{key} ({language}): the body's placeholders differ from the English text's")
            if message.sms is not None and source.sms is not None and placeholders(message.sms) != placeholders(source.sms):
                raise TemplateError(f"{key} ({language}): the SMS text's placeholders differ from the English text's")
            if (message.unnamed is None) != (source.unnamed is None) or (
                message.unnamed is not None and source.unnamed is not None and placeholders(message.unnamed) != placeholders(source.unnamed)
            ):
                raise TemplateError(f"{key} ({language}): the unnamed body's placeholders differ from the English text's")
            if message.unnamed is not None and not placeholders(message.unnamed) < placeholders(message.body):
                raise TemplateError(f"{key} ({language}): the unnamed body shows what the body shows, less the home's name")


_check(CATALOGUE)
