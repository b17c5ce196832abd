"""What the assistant says besides the knowledge base's answers (``wording/replies.toml``): its urgent and
unknown replies, the hand-over's confirmation, the names of the emergency numbers, in the four languages.
Pure: checking the wording and choosing a reply's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from abri_assistant.domain.emergency import NUMBERS
from abri_assistant.domain.urgency import LANGUAGES, Language

SENTENCES = ("urgent", "unknown", "unknown_no_handover", "handed_over", "source", "checked_on")


def check_reply_words(wording: Mapping[str, Any]) -> None:
    """Every sentence and every number's name in every language (ValueError naming what is missing)."""
    purposes = {number.purpose for number in NUMBERS.values()}
    for language in LANGUAGES:
        words = wording.get(language, {})
        missing = [name for name in SENTENCES if not words.get(name)]
        missing += [f"numbers.{purpose}" for purpose in sorted(purposes) if not words.get("numbers", {}).get(purpose)]
        if missing:
            raise ValueError(f"reply words: [{language}] lacks {', '.join(missing)}")


def sentence(wording: Mapping[str, Any], language: Language, name: str) -> str:
    text: str = wording[language][name]
    return text


def number_name(wording: Mapping[str, Any], language: Language, purpose: str) -> str:
    text: str = wording[language]["numbers"][purpose]
    return text
