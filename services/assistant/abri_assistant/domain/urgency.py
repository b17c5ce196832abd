"""Whether a message signals an emergency, and which: pure.

A message that speaks of an eviction happening now, violence, no place to sleep tonight, a child in danger,
thoughts of suicide or a health emergency is never answered by the knowledge base alone: the assistant shows the
national emergency numbers at once and offers to hand the conversation to the person's social worker.

The signals are a curated lexicon per language (``urgency/<lang>.toml``: for each category, regular expressions
over the normalised text, and phrases that must come together), not a model: every hand-over says which category
and which words raised it, and a reviewer can read and extend the list. A false alarm costs a hand-over offered;
a missed one can cost a life, so the lexicon leans towards recall (``bench/assistant`` measures both).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Language = Literal["fr", "en", "ar", "uk"]
LANGUAGES: tuple[Language, ...] = ("fr", "en", "ar", "uk")
Category = Literal["eviction_now", "no_shelter", "violence", "child_in_danger", "suicide", "health"]
CATEGORIES: tuple[Category, ...] = ("eviction_now", "no_shelter", "violence", "child_in_danger", "suicide", "health")

_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # short vowels, shadda, sukun, dagger alif, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "´": "'"})
_SPACES = re.compile(r"\s+")


def normalise(text: str, language: Language) -> str:
    """The text as the lexicon is written: lower case, one kind of apostrophe, single spaces; French and English
    without accents (people type without them), Arabic without its optional vowel marks and with its letter
    variants folded (أ إ آ to ا, ى to ي, ة to ه); Ukrainian keeps its letters (й, ї, є are letters, not accents)."""
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    if language in ("fr", "en"):
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    elif language == "ar":
        folded = _ARABIC_MARKS.sub("", folded).translate(_ARABIC_LETTERS)
    return _SPACES.sub(" ", folded).strip()


@dataclass(frozen=True)
class Rule:
    """One way a category is said: a pattern, and, when given, another that must be found in the same message
    (``expulsion`` alone is a word of the knowledge base; with ``demain`` it is an emergency)."""

    pattern: re.Pattern[str]
    with_: re.Pattern[str] | None = None

    def found(self, text: str) -> str | None:
        hit = self.pattern.search(text)
        if hit is None or (self.with_ is not None and self.with_.search(text) is None):
            return None
        return hit.group(0)


@dataclass(frozen=True)
class Signal:
    """A category of emergency a message raised, with the words that raised it."""

    category: Category
    words: str


@dataclass(frozen=True)
class Lexicon:
    """The rules of each category, in one language."""

    language: Language
    rules: Mapping[Category, Sequence[Rule]]

    def signals(self, message: str) -> list[Signal]:
        """Every category the message raises (none: no emergency said), in the order of :data:`CATEGORIES`."""
        text = normalise(message, self.language)
        found = []
        for category in CATEGORIES:
            for rule in self.rules.get(category, ()):
                words = rule.found(text)
                if words is not None:
                    found.append(Signal(category, words))
                    break
        return found


def parse_lexicon(language: Language, document: Mapping[str, object]) -> Lexicon:
    """A lexicon from its TOML document: ``[category] patterns = [...]`` and ``[[category.together]] pattern, with``."""
    unknown = set(document) - set(CATEGORIES) - {"language"}
    if unknown:
        raise ValueError(f"urgency lexicon {language}: unknown categories {sorted(unknown)}")
    rules: dict[Category, list[Rule]] = {}
    for category in CATEGORIES:
        section = document.get(category) or {}
        if not isinstance(section, Mapping):
            raise ValueError(f"urgency lexicon {language}: [{category}] is not a table")
        found = [Rule(re.compile(pattern)) for pattern in section.get("patterns", [])]
        found += [Rule(re.compile(pair["pattern"]), re.compile(pair["with"])) for pair in section.get("together", [])]
        rules[category] = found
    return Lexicon(language, rules)
