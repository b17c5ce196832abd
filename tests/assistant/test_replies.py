"""What the assistant does with a message (pure): an urgent message is handed over with the numbers at once, an
answer shown beside, never instead; a confident entry answers; a weak or a tied one does not, and nothing is made up."""

from __future__ import annotations

import pytest

from abri_assistant.domain.emergency import ALWAYS, numbers_for
from abri_assistant.domain.replies import Candidate, ReplyPolicy, decide
from abri_assistant.domain.urgency import Signal

pytestmark = pytest.mark.unit
POLICY = ReplyPolicy(min_score=0.3, min_margin=0.05)


def test_a_confident_entry_answers_at_its_edges() -> None:
    assert decide([], [Candidate("deposit", 0.3), Candidate("notice-to-leave", 0.25)], POLICY).entry_id == "deposit"
    weak = decide([], [Candidate("deposit", 0.29)], POLICY)
    assert (weak.kind, weak.entry_id, weak.offers_handover) == ("unknown", None, True)
    assert [n.dial for n in weak.numbers] == list(ALWAYS)  # an urgency the lexicon missed still finds them
    tied = decide([], [Candidate("deposit", 0.6), Candidate("notice-to-leave", 0.56)], POLICY)
    assert tied.kind == "unknown"  # two entries nearly level: the question is not understood
    assert decide([], [], POLICY).kind == "unknown"


def test_an_urgent_message_is_handed_over_with_the_numbers_and_an_answer_beside() -> None:
    reply = decide([Signal("suicide", "en finir")], [Candidate("deposit", 0.9)], POLICY)
    assert reply.kind == "urgent" and reply.offers_handover and reply.entry_id == "deposit"
    assert [n.dial for n in reply.numbers] == ["3114", "15", *ALWAYS]
    assert decide([Signal("no_shelter", "dehors")], [], POLICY).entry_id is None


def test_the_three_national_numbers_come_with_every_category_once() -> None:
    both = [n.dial for n in numbers_for(["violence", "child_in_danger"])]
    assert both == ["17", "114", "115", "3919", "119"]  # 17 once, the three always
