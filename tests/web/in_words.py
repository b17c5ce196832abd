"""What a page must never show a French, Arabic or Ukrainian reader: an English sentence, or a raw id
(a UUID, an organisation's id, an INSEE code in parentheses, a MIME type, a snake_case code).

The page's visible text is read (text nodes, and the ``title``, ``aria-label``, ``alt`` and ``placeholder``
a screen reader says), without scripts, styles, hidden inputs or what is marked ``lang="en"`` or
``translate="no"`` (a language's own name in the switcher, a value the page quotes as typed). A legal
source is read too: its note is in the page's language, and its citation is a French proper name (marked
``lang="fr"`` off French pages), which has no English in it. Each text
run is checked on its own, so that words of two neighbouring cells never make a sentence together.

The English check counts English function words ("the", "for", "of"...): two in one run make a sentence
(French, Arabic and Ukrainian never use them), and a few English words that codes leak as they are
("passport", "fund", "household") are caught alone. Used by the page tier (``test_pages_in_words.py``)
and the browser tier; ``test_in_words.py`` shows that it finds each leak the issue listed, and that no
translation of the catalogues trips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser

_FUNCTION_WORDS = """the of and with is are your this from to for has have was were be been by it at will which that you
not there here please its their our can cannot may must should"""
ENGLISH_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
"""English words no French, Arabic or Ukrainian sentence uses (French's "a", "an", "on", "or", "as", "est"... are left out)."""
_LEAKS = """passport fund funds household households pending approved rejected owner owners draft published withdrawn
guarantee proposed accepted declined expired bedroom bedrooms burden threshold wanted available needed payslips unknown none null
true false"""
ENGLISH_LEAKS = frozenset(_LEAKS.split())
"""English words that a code shown as it is leaks alone ("Pièce d'identité (passport)", "· fund")."""
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
ORGANISATION_ID = re.compile(r"\b(?:assoc|fund|org|fund-web)-[0-9a-z][0-9a-z-]*\b", re.IGNORECASE)
CODE_IN_PARENTHESES = re.compile(r"\((?:[^()]*?[\s,])?(\d[\dAB]\d{3})(?:[\s,][^()]*)?\)")
MIME_TYPE = re.compile(r"\b(?:application|image|text|audio|video)/[a-z0-9.+-]+\b", re.IGNORECASE)
NO_SIZE = re.compile(r"(?<![\d,.\u202f\xa0])\b0\s?(?:Ko|kB|KB|ko)\b")
"""A size of nothing ("0 Ko"): a small file rounded down."""
JOINED_SENTENCES = re.compile(r"[a-zà-ÿ]{2}[.!?][A-ZÀ-Ý][a-zà-ÿ]")
"""Two sentences without the space between them ("impayé.Déclaration": a template's line breaks trimmed)."""
SNAKE_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
SPOKEN_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")


@dataclass(frozen=True)
class Finding:
    """One thing a reader should not see: what kind, and the text it is in."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text!r}"


class _Text(HTMLParser):
    """The runs of text a reader sees or hears."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self._skipping: list[str] = []  # open elements whose content is not read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skipped = (
            tag in SKIPPED_TAGS
            or (found.get("lang") or "").startswith("en")
            or found.get("translate") == "no"
            or "hidden" in found
            or found.get("aria-hidden") == "true"
        )
        if tag == "input" and (found.get("type") or "") == "hidden":
            return
        if not self._skipping:
            self.runs += [str(found[name]) for name in SPOKEN_ATTRIBUTES if found.get(name)]
            if tag == "input" and (found.get("type") or "") in ("submit", "button") and found.get("value"):
                self.runs.append(str(found["value"]))
        if (skipped or self._skipping) and tag not in VOID_TAGS:  # inside a skipped element, every element is counted to find its end
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag in self._skipping:
            while self._skipping and self._skipping.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.runs.append(" ".join(data.split()))


def visible_runs(html: str) -> list[str]:
    """The page's runs of visible (or spoken) text, in order."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.runs


@cache
def postal_codes() -> frozenset[str]:
    """Every postal code of the official commune table: a postal code in parentheses is what people know
    ("Montpellier (34000)"); a five-character code that is none is an INSEE code ("(48095)")."""
    from abri_kit.communes import communes

    return frozenset(code for commune in communes() for code in commune.postal_codes)


def findings_in_text(text: str) -> list[Finding]:
    """What is wrong in one run of text."""
    found: list[Finding] = []
    text = PLACEHOLDER.sub(" ", text)
    patterns = (
        ("UUID", UUID),
        ("organisation id", ORGANISATION_ID),
        ("MIME type", MIME_TYPE),
        ("code", SNAKE_CODE),
        ("size", NO_SIZE),
        ("no space", JOINED_SENTENCES),
    )
    for kind, pattern in patterns:
        if pattern.search(text):
            found.append(Finding(kind, text))
    if any(code not in postal_codes() for code in CODE_IN_PARENTHESES.findall(text)):
        found.append(Finding("INSEE code", text))
    words = [w.lower() for w in WORD.findall(text)]
    if sum(1 for w in words if w in ENGLISH_FUNCTION_WORDS) >= 2:
        found.append(Finding("English sentence", text))
    elif any(w in ENGLISH_LEAKS for w in words):
        found.append(Finding("English word", text))
    return found


def findings(html: str) -> list[Finding]:
    """Everything wrong on a page."""
    return [finding for run in visible_runs(html) for finding in findings_in_text(run)]
