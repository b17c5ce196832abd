"""The texts of the web front, for translators and for the test that no text is left untranslated.

``python -m abri_gateway.web.messages missing [LANG]`` lists the texts a language lacks;
``python -m abri_gateway.web.messages pot`` writes every text to ``locale/messages.pot`` (for Poedit or
Weblate). Translations live in ``locale/<lang>/LC_MESSAGES/<area>.po``, one file per part of the site.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from gettext import c2py
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from abri_gateway.web.i18n import LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

HERE = Path(__file__).parent
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass(frozen=True)
class Text:
    """A text to translate (a plural has two forms)."""

    singular: str
    plural: str | None
    where: str


def texts() -> dict[str, Text]:
    """Every text the pages and their Python code show, by its English source."""
    found: dict[str, Text] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        HERE, METHODS, OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        singular, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if singular and singular not in found:
            found[singular] = Text(singular, plural, f"{filename}:{line}")
    return found


def translated(code: str) -> dict[str, tuple[str, ...]]:
    """The language's translations (every ``.po`` file of its folder), by English source."""
    result: dict[str, tuple[str, ...]] = {}
    for po in sorted((LOCALE_DIR / code / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        for message in catalog:
            if not message.id:
                continue
            key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            result[key] = tuple(str(s or "") for s in strings)
    return result


def plural_rules(code: str) -> dict[str, tuple[int, ...]]:
    """Each ``.po`` file's plural rule, as the forms it picks for 0 to 200 (the catalogues of a language
    are merged, and the merged catalogue keeps one rule: every file must agree on it)."""
    rules: dict[str, tuple[int, ...]] = {}
    for po in sorted((LOCALE_DIR / code / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        header = dict(catalog.mime_headers).get("Plural-Forms", "")
        expression = header.split("plural=", 1)[-1].rstrip(";").strip()
        pick = c2py(expression) if "plural=" in header else (lambda n: int(n != 1))
        rules[po.name] = tuple(pick(n) for n in range(201))
    return rules


def problems(code: str) -> list[str]:
    """What is wrong with a language: texts missing or empty, placeholders that differ, catalogues that
    disagree on the plural rule."""
    have = translated(code)
    found: list[str] = []
    rules = plural_rules(code)
    if len(set(rules.values())) > 1:
        found.append(f"{code}: the catalogues do not share one plural rule: {sorted(rules)}")
    for source, text in texts().items():
        strings = have.get(source)
        if not strings or not all(s.strip() for s in strings):
            found.append(f"{code}: missing {source!r} ({text.where})")
            continue
        expected = set(PLACEHOLDER.findall(source)) | (set(PLACEHOLDER.findall(text.plural)) if text.plural else set())
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - expected - {"num"}:
                found.append(f"{code}: {source!r} has placeholders the English does not: {string!r}")
            if text.plural is None and set(PLACEHOLDER.findall(string)) != expected:
                found.append(f"{code}: {source!r} does not use the same placeholders: {string!r}")
    return found


def write_pot(path: Path = LOCALE_DIR / "messages.pot") -> None:
    """Every text, as a template for translators."""
    catalog = Catalog(project="Abri web", charset="utf-8")
    for text in texts().values():
        catalog.add(
            (text.singular, text.plural) if text.plural else text.singular,
            locations=[(text.where.rsplit(":", 1)[0], int(text.where.rsplit(":", 1)[1]))],
        )
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "missing"
    if command == "pot":
        write_pot()
        return 0
    codes = argv[1:] or [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
    found = [line for code in codes for line in problems(code)]
    print("\n".join(found) or "every text is translated")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
