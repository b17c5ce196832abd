"""Where a household's file stands, in words of the reader's language (the wording is data: ``wording/
file_states.toml``): its stage, then what comes next, dates written as the language writes them. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import get_args

from babel.dates import format_date

from abri_assistant.domain.file_state import FileAnswer, NextStep, Stage
from abri_assistant.domain.urgency import LANGUAGES, Language
from abri_kit.calendar import day_in_france

Wording = Mapping[str, Mapping[str, Mapping[str, str]]]


def check_wording(wording: Wording) -> None:
    """Every stage and next step worded in every language, with the dates its sentence needs (ValueError)."""
    for language in LANGUAGES:
        for part, codes in (("stage", get_args(Stage)), ("next_step", get_args(NextStep))):
            missing = sorted(set(codes) - set(wording.get(language, {}).get(part, {})))
            if missing:
                raise ValueError(f"file states: [{language}.{part}] lacks {', '.join(missing)}")


def said(answer: FileAnswer, language: Language, wording: Wording) -> str:
    """The answer in ``language``: two sentences, the stage and what comes next."""
    words = wording[language]
    dates = {name: _written(value, language) for name, value in answer.params.items()}
    return f"{words['stage'][answer.stage]} {words['next_step'][answer.next_step].format(**dates)}"


def _written(iso: str, language: Language) -> str:
    day = day_in_france(datetime.fromisoformat(iso)) if "T" in iso else date.fromisoformat(iso)
    return format_date(day, format="long", locale=language)
