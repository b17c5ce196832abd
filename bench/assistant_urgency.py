"""The assistant's urgency detection against the evaluation set (``bench/assistant/questions.jsonl``): how many
urgent messages raise a signal (the goal: all of them), and how many others raise one anyway (false alarms), by
language. Pure: nothing to start.

    python -m bench.assistant_urgency [--show-misses]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from abri_assistant.lexicons import lexicons

HERE = Path(__file__).parent / "assistant"
SETS = {"questions": HERE / "questions.jsonl", "dev": HERE / "urgency_dev.jsonl", "holdout": HERE / "holdout.jsonl"}
"""The evaluation set; the urgency development set (the lexicon is tuned on both); the held-out set, measured only."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-misses", action="store_true", help="print each urgent message missed and each false alarm")
    parser.add_argument("--set", choices=sorted(SETS), default="questions", help="the evaluation set, or the held-out one")
    args = parser.parse_args()
    found = lexicons()
    totals: Counter[tuple[str, str, str]] = Counter()
    for line in SETS[args.set].read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        urgent = item.get("why") == "urgent"
        signals = found[item["lang"]].signals(item["question"])
        kind = ("urgent" if urgent else "other", "raised" if signals else "quiet")
        totals[(item["lang"], *kind)] += 1
        if args.show_misses and urgent != bool(signals):
            print(f"{'MISSED' if urgent else 'ALARM '} [{item['lang']}] {item['question']} {[s.category for s in signals]}")
    print("language  urgent raised / urgent   false alarms / others")
    for language in ("fr", "en", "ar", "uk", None):
        urgent_raised, urgent = count(totals, language, "urgent", "raised"), count(totals, language, "urgent")
        other_raised, others = count(totals, language, "other", "raised"), count(totals, language, "other")
        print(f"{language or 'all':8}  {urgent_raised:3} / {urgent:3}              {other_raised:3} / {others:3}")


def count(totals: Counter[tuple[str, str, str]], language: str | None, kind: str, outcome: str | None = None) -> int:
    """The messages of ``kind`` (urgent or other) in ``language`` (None: all), with ``outcome`` (None: either)."""
    return sum(n for (lang, k, o), n in totals.items() if k == kind and outcome in (None, o) and language in (None, lang))


if __name__ == "__main__":
    main()
