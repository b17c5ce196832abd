"""What the assistant does with a message: pure, given what the urgency lexicon and the retrieval found.

1. A message that raises an urgency signal is handed over: the emergency numbers at once, and the offer to pass
   the conversation to the person's social worker (with the person's consent); an answer found is shown too,
   never instead.
2. Otherwise, the best entry of the knowledge base answers when its score reaches the policy's threshold and
   stands clear of the next one (two entries nearly level mean the question is not understood).
3. Otherwise nothing is made up: the assistant says it does not know and offers the hand-over, with the three
   national numbers (an urgency the lexicon missed still finds them on the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from abri_assistant.domain.emergency import Number, numbers_for
from abri_assistant.domain.urgency import Signal

ReplyKind = Literal["answer", "urgent", "unknown"]


@dataclass(frozen=True)
class Candidate:
    """An entry the retrieval found for the message, with its score (0 to 1)."""

    entry_id: str
    score: float


@dataclass(frozen=True)
class ReplyPolicy:
    """The thresholds of an answer (measured on the evaluation set: ``bench/README.md``)."""

    min_score: float = 0.2
    """The least score an entry needs to answer (bench/README.md: 0.2 and a margin of 0.02 answered 67 % of the
    evaluation's answerable questions rightly, 6 % wrongly, and handed over 75 % of those outside the base)."""
    min_margin: float = 0.02
    """How far ahead of the next entry the best one must be."""
    max_message_chars: int = 2_000


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    entry_id: str | None = None
    score: float = 0.0
    signals: tuple[Signal, ...] = ()
    numbers: tuple[Number, ...] = field(default_factory=tuple)

    @property
    def offers_handover(self) -> bool:
        """An urgent message, or one the knowledge base does not answer: a person takes over if the person agrees."""
        return self.kind != "answer"


def decide(signals: Sequence[Signal], candidates: Sequence[Candidate], policy: ReplyPolicy) -> Reply:
    """The reply to a message that raised ``signals`` and for which the retrieval found ``candidates`` (best first)."""
    ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
    best = ranked[0] if ranked else None
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    confident = best is not None and best.score >= policy.min_score and round(best.score - runner_up, 9) >= policy.min_margin
    if signals:
        return Reply(
            "urgent",
            entry_id=best.entry_id if confident and best else None,
            score=best.score if best else 0.0,
            signals=tuple(signals),
            numbers=tuple(numbers_for([s.category for s in signals])),
        )
    if confident and best is not None:
        return Reply("answer", entry_id=best.entry_id, score=best.score)
    return Reply("unknown", score=best.score if best else 0.0, numbers=tuple(numbers_for([])))
