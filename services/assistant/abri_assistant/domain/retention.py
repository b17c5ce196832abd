"""How long the assistant keeps a conversation: data, with their reasons, never code.

- ``conversation_days`` (30): a conversation nobody was handed serves only the person who is having it (to
  read the answers again, to hand it over later). No text requires keeping it; Abri keeps it a month after
  its last message, then deletes it (its key shredded first). The person deletes it at any time before.
- ``handed_over_days`` (730): a conversation handed to the household's association becomes part of its social
  follow-up, which the CNIL keeps in the live base at most 2 years after the last contact (délibération
  2016-095, AU-048, art. 4; the same period as the inbox's messages in notifications), counted from the last
  message.

A deployment overrides either with ``ABRI_ASSISTANT_RETENTION`` (JSON); ``docs/domain-rules.md``
("Retention") gives the sources and the date they were checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetentionPolicy:
    """The periods, in days, counted from a conversation's last message (see the module's docstring)."""

    conversation_days: int = 30
    handed_over_days: int = 730

    def __post_init__(self) -> None:
        for name in ("conversation_days", "handed_over_days"):
            if not 1 <= getattr(self, name) <= 3650:
                raise ValueError(f"{name} is a number of days from 1 to 3650")
        if self.handed_over_days < self.conversation_days:
            raise ValueError("handed_over_days is at least conversation_days: a hand-over never shortens a conversation's life")

    def conversations_before(self, now: datetime) -> datetime:
        """Conversations never handed over whose last message is before this instant have outlived their period."""
        return now - timedelta(days=self.conversation_days)

    def handed_before(self, now: datetime) -> datetime:
        """Handed-over conversations whose last message is before this instant have outlived their period."""
        return now - timedelta(days=self.handed_over_days)
