"""The urgency lexicons shipped with the service (``urgency/<lang>.toml``), read once."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from abri_assistant.domain.urgency import LANGUAGES, Language, Lexicon, parse_lexicon


@cache
def lexicon(language: Language) -> Lexicon:
    """The lexicon of ``language``."""
    text = resources.files("abri_assistant").joinpath(f"urgency/{language}.toml").read_text(encoding="utf-8")
    return parse_lexicon(language, tomllib.loads(text))


def lexicons() -> dict[Language, Lexicon]:
    """Every language's lexicon (a malformed one fails at start, not at the first urgent message)."""
    return {language: lexicon(language) for language in LANGUAGES}
