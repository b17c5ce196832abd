"""A file's stage and next step in words (pure): every code worded in the four languages, dates written as each
language writes them, a wording that lacks a code refused at start."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import get_args

import pytest

from abri_assistant.domain.file_state import FileAnswer, NextStep, PlacementState, Stage, file_answer
from abri_assistant.domain.file_words import check_wording, said
from abri_assistant.domain.urgency import LANGUAGES, Language
from abri_assistant.knowledge_files import file_wording

pytestmark = pytest.mark.unit
PARAMS = {"answer_by": "2026-12-08T10:00:00+00:00", "review_deadline": "2026-12-20T10:00:00+00:00", "next_review_by": "2027-06-01"}


def test_every_stage_and_step_is_worded_in_each_language() -> None:
    wording = file_wording()
    for language in LANGUAGES:
        for stage in get_args(Stage):
            for step in get_args(NextStep):
                answer = FileAnswer(stage, step, params=PARAMS)
                assert "{" not in said(answer, language, wording)  # every date its sentence names is given


def test_dates_are_written_in_the_readers_language() -> None:
    late = datetime(2026, 12, 8, 23, 30, tzinfo=UTC)  # 00:30 on the 9th in France: the day written is France's
    answer = file_answer(True, [PlacementState("proposed", datetime(2026, 12, 1, tzinfo=UTC), answer_by=late)])
    assert said(answer, "fr", file_wording()).endswith("répond au plus tard le 9 décembre 2026.")
    assert "December 9, 2026" in said(answer, "en", file_wording())
    sliding = file_answer(
        True, [PlacementState("lease_signed", datetime(2026, 12, 1, tzinfo=UTC), sliding=True, next_review_by=date(2027, 6, 1))]
    )
    assert "1 червня 2027" in said(sliding, "uk", file_wording())


def test_a_wording_that_lacks_a_code_is_refused() -> None:
    broken: dict[str, dict[str, dict[str, str]]] = {language: dict(file_wording()[language]) for language in LANGUAGES}
    broken["ar"] = {"stage": dict(broken["ar"]["stage"]), "next_step": broken["ar"]["next_step"]}
    del broken["ar"]["stage"]["slid"]
    with pytest.raises(ValueError, match=r"\[ar.stage\] lacks slid"):
        check_wording(broken)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", "Le bail de votre logement a pris fin. La suite : si vous cherchez à nouveau un logement"),
        ("en", "The lease of your home has ended. Next: if you are looking for a home again, tell your social worker"),
        ("ar", "انتهى عقد إيجار مسكنك. الخطوة التالية: إذا كنت تبحث عن مسكن من جديد"),
        ("uk", "Договір оренди вашого житла завершився. Далі: якщо ви знову шукаєте житло"),
    ],
)
def test_a_lease_that_ended_is_said_in_each_language(language: Language, words: str) -> None:
    answer = file_answer(True, [PlacementState("lease_ended", datetime(2027, 7, 1, tzinfo=UTC))])
    assert said(answer, language, file_wording()).startswith(words)
