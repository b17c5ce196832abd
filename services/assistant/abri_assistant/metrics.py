"""The assistant's own metrics (the chart's dashboard and ``docs/assistant.md``): what it replied and how
often a conversation went to a person. Counts only: no word, no person, no conversation in a label."""

from __future__ import annotations

from prometheus_client import Counter

REPLIES = Counter(
    "abri_assistant_replies_total",
    "Replies given, by kind (answer: from the knowledge base; urgent: the emergency numbers; unknown: no answer) and language.",
    ["kind", "language"],
)
HANDOVERS = Counter(
    "abri_assistant_handovers_total",
    "Conversations handed to the household's association, by whether an urgent message was in them.",
    ["urgent"],
)
