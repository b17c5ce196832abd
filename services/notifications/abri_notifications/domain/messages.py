"""The notifications' texts, for translators and for the translation test.

``python -m abri_notifications.domain.messages missing [LANG...]`` lists what each language's catalogue
lacks or gets wrong (``docs/notifications.md``, "Languages", gives the ``pybabel`` commands that extract
the texts and update the catalogues). The texts are found as ``pybabel extract`` finds them: Babel's
Python extractor, keyword ``_``, in :mod:`.texts`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from gettext import c2py
from pathlib import Path
from string import Formatter

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file

from abri_notifications.domain import texts
from abri_notifications.domain.templates import LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE, catalogue_path, read_catalogue

TEXTS_FILE = Path(texts.__file__)
KEYWORDS = {"_": None}
COMMENT_TAGS = ("TRANSLATORS:",)
SCRIPTS = {"ar": re.compile(r"[\u0600-\u06FF]"), "uk": re.compile(r"[\u0400-\u04FF]")}
"""The letters a translation in a language of another script has (a text without any is untranslated)."""
CHECKED_PLURALS = range(201)


@dataclass(frozen=True)
class Text:
    """A text to translate, as extracted (a plural has two English forms)."""

    source: str
    plural: str | None
    where: str
    comments: tuple[str, ...] = ()


def extracted() -> dict[str, Text]:
    """Every text of :mod:`.texts` that ``pybabel extract`` finds, by its English source."""
    found: dict[str, Text] = {}
    for line, message, comments, _context in extract_from_file("python", TEXTS_FILE, keywords=KEYWORDS, comment_tags=COMMENT_TAGS):
        source, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if source and source not in found:
            found[source] = Text(source, plural, f"{TEXTS_FILE.name}:{line}", tuple(comments))
    return found


def sources() -> set[str]:
    """Every text the service shows: the subjects, bodies (named and unnamed) and SMS texts of
    :data:`texts.TEMPLATES`, the phrases of :data:`texts.CODES`, and the lines below a message (the home
    in words, the link: :data:`texts.HOME_KINDS`, ``HOME_LINE``, ``OPEN_LINE``); each must be marked
    ``_()``, or no translator sees it."""
    found: set[str] = set()
    for message in texts.TEMPLATES.values():
        found |= {message.subject, message.body} | {text for text in (message.sms, message.unnamed) if text is not None}
    for phrases in texts.CODES.values():
        found |= set(phrases.values())
    return found | set(texts.HOME_KINDS.values()) | {texts.HOME_LINE, texts.OPEN_LINE}


def fields(text: str) -> frozenset[str] | None:
    """The ``{name}`` placeholders of a text (``None`` if its braces do not parse)."""
    try:
        return frozenset(name for _, name, _, _ in Formatter().parse(text) if name is not None)
    except ValueError:
        return None


def translated(language: str, locale_dir: Path = LOCALE_DIR) -> dict[str, tuple[str, ...]]:
    """The language's translations, by English source: what the service uses (fuzzy ones are not)."""
    return {
        key: strings
        for key, (strings, fuzzy) in _entries(read_catalogue(language, locale_dir)).items()
        if not fuzzy and all(s.strip() for s in strings)
    }


def plural_rule(catalog: Catalog) -> tuple[int, ...]:
    """The form a catalogue's plural rule picks for 0 to 200."""
    pick = c2py(catalog.plural_expr)
    return tuple(pick(n) for n in CHECKED_PLURALS)


def problems(language: str, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """What is wrong with a language's catalogue: a file that does not parse, a plural rule that is not
    Babel's for the language, a text missing, empty or fuzzy, a placeholder set that differs from the
    English, a translation identical to the English or without a letter of the language's script, a
    plural without all the language's forms, a translation of a text the service no longer has."""
    path = catalogue_path(language, locale_dir)
    try:
        catalog = read_catalogue(language, locale_dir)
    except Exception as error:  # OSError, PoFileError, a bad encoding: all the same to a translator
        return [f"{language}: {path} does not parse: {error}"]
    found: list[str] = []
    babel = Catalog(locale=language)
    if catalog.num_plurals != babel.num_plurals or plural_rule(catalog) != plural_rule(babel):
        found.append(f"{language}: the plural rule is not Babel's for {language} ({babel.plural_forms}): {catalog.plural_forms}")
    entries = _entries(catalog)
    wanted = extracted()
    for source, text in wanted.items():
        strings, fuzzy = entries.get(source, ((), False))
        if not strings or not all(s.strip() for s in strings) or fuzzy:
            found.append(f"{language}: missing{' (fuzzy)' if fuzzy else ''} {source!r} ({text.where})")
            continue
        expected = fields(source) or frozenset()
        if text.plural is not None:
            expected |= fields(text.plural) or frozenset()
            if len(strings) != catalog.num_plurals:
                found.append(f"{language}: {source!r} has {len(strings)} plural forms, not {catalog.num_plurals}")
        for string in strings:
            have = fields(string)
            if have is None:
                found.append(f"{language}: {source!r}: the braces of {string!r} do not parse")
            elif (have != expected) if text.plural is None else not (have <= expected):  # a plural form may leave out the number
                found.append(f"{language}: {source!r} does not use the same placeholders: {string!r}")
            if string in (source, text.plural):
                found.append(f"{language}: {source!r} is untranslated (identical to the English)")
            elif language in SCRIPTS and not SCRIPTS[language].search(string):
                found.append(f"{language}: {source!r} has no letter of its script: {string!r}")
    found += [
        f"{language}: {source!r} is no longer a text of the service (run pybabel update)"
        for source in sorted(entries.keys() - wanted.keys())
    ]
    return found


def _entries(catalog: Catalog) -> dict[str, tuple[tuple[str, ...], bool]]:
    """The catalogue's messages (not its header): English source → (translations, fuzzy)."""
    result: dict[str, tuple[tuple[str, ...], bool]] = {}
    for message in catalog:
        if not message.id:
            continue
        key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        result[key] = (tuple(str(s or "") for s in strings), message.fuzzy)
    return result


def main(argv: list[str]) -> int:
    command, codes = (argv[0], argv[1:]) if argv else ("missing", [])
    if command != "missing":
        print("usage: python -m abri_notifications.domain.messages missing [LANG...]", file=sys.stderr)
        return 2
    found = [line for code in codes or [code for code in LANGUAGES if code != SOURCE_LANGUAGE] for line in problems(code)]
    print("\n".join(found) or "every text is translated")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
