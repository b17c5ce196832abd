"""The assistant against its evaluation sets: each question goes through what the service does with a message
(the urgency lexicon, the retrieval in PostgreSQL, the reply's thresholds) and its outcome is compared with the
expected one.

Reported, per language and in all: answer accuracy (questions the knowledge base answers, answered with the
expected entry), confident wrong answers (the worst outcome: another entry given as the answer), hand-over
recall on urgent messages (handed over: flagged urgent, or not answered, which offers the hand-over and the
three national numbers too), urgent messages flagged as such (their category's numbers at once), and
hand-overs of questions outside the knowledge base. Then the same figures for a grid of thresholds, to choose
the service's defaults.

Usage: ``python -m bench.assistant_answers [--set questions|holdout|dev]`` with PostgreSQL up (``make
infra-up``); the assistant's database is migrated and its knowledge loaded first (the table holds nothing else).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from abri_assistant.db.knowledge import load, search
from abri_assistant.domain.replies import Candidate, ReplyPolicy, decide
from abri_assistant.domain.urgency import Signal
from abri_assistant.knowledge_files import knowledge_base
from abri_assistant.lexicons import lexicons
from bench.assistant_urgency import SETS
from tests.support import credentials

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Asked:
    language: str
    expect: str
    why: str | None
    entry: str | None
    signals: tuple[Signal, ...]
    candidates: tuple[Candidate, ...]


async def asked(session: AsyncSession, lines: list[str], weight: float) -> list[Asked]:
    found = lexicons()
    out = []
    for line in lines:
        item = json.loads(line)
        language, question = item["lang"], item["question"]
        candidates = await search(session, language, item.get("audience", "household"), question, weight=weight)
        signals = tuple(found[language].signals(question))
        out.append(Asked(language, item["expect"], item.get("why"), item.get("entry"), signals, tuple(candidates)))
    return out


def figures(questions: list[Asked], policy: ReplyPolicy, language: str | None) -> dict[str, tuple[int, int]]:
    counts: Counter[str] = Counter()
    for q in questions:
        if language is not None and q.language != language:
            continue
        reply = decide(q.signals, q.candidates, policy)
        if q.expect == "answer" and q.entry is not None:
            counts["answerable"] += 1
            counts["right"] += reply.kind == "answer" and reply.entry_id == q.entry
            counts["wrong"] += reply.kind == "answer" and reply.entry_id != q.entry
        if q.why == "urgent":
            counts["urgent"] += 1
            counts["handed"] += reply.offers_handover
            counts["flagged"] += reply.kind == "urgent"
        if q.why == "unknown":
            counts["unknown"] += 1
            counts["unknown_handed"] += reply.offers_handover
    return {
        "answer accuracy": (counts["right"], counts["answerable"]),
        "confident wrong answers": (counts["wrong"], counts["answerable"]),
        "hand-over recall, urgent": (counts["handed"], counts["urgent"]),
        "urgent flagged as urgent": (counts["flagged"], counts["urgent"]),
        "hand-over, outside the base": (counts["unknown_handed"], counts["unknown"]),
    }


def shown(value: tuple[int, int]) -> str:
    done, total = value
    return f"{done}/{total} ({100 * done / total:.0f} %)" if total else "-"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", choices=sorted(SETS), default="questions")
    parser.add_argument("--weight", type=float, default=0.5, help="the words' weight against the letters in a score")
    parser.add_argument("--min-score", type=float, default=ReplyPolicy.min_score)
    parser.add_argument("--min-margin", type=float, default=ReplyPolicy.min_margin)
    args = parser.parse_args()
    url = credentials()["ABRI_ASSISTANT_DATABASE_URL"]
    env = {**os.environ, "ABRI_ASSISTANT_DATABASE_URL": url}
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "abri_assistant.migrate"], env=env, cwd=REPO, check=True, timeout=120)
    lines = SETS[args.set].read_text(encoding="utf-8").splitlines()
    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            await load(session, knowledge_base(), datetime.now(UTC))
            await session.commit()
            questions = await asked(session, lines, args.weight)
    finally:
        await engine.dispose()
    policy = ReplyPolicy(min_score=args.min_score, min_margin=args.min_margin)
    print(f"set {args.set}, words' weight {args.weight}, min score {policy.min_score}, min margin {policy.min_margin}")
    for language in ("fr", "en", "ar", "uk", None):
        found = figures(questions, policy, language)
        print(f"  {language or 'all'}: " + "; ".join(f"{name} {shown(value)}" for name, value in found.items()))
    print("thresholds (all languages): min score, min margin -> accuracy, wrong, urgent handed over, outside handed over")
    for min_score in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
        for min_margin in (0.0, 0.02, 0.05):
            found = figures(questions, ReplyPolicy(min_score=min_score, min_margin=min_margin), None)
            print(
                f"  {min_score:.2f} {min_margin:.2f} -> {shown(found['answer accuracy'])}, {shown(found['confident wrong answers'])},"
                f" {shown(found['hand-over recall, urgent'])}, {shown(found['hand-over, outside the base'])}"
            )


if __name__ == "__main__":
    asyncio.run(main())
