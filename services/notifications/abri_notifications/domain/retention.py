"""How long notifications keeps what can identify a person: data, with their sources, never code.

- ``delivery_days`` (180): a delivery row (email, SMS, webhook) holds the rendered, minimised text, the
  recipient's subject and, for a webhook, the minimised event data. It is the trace of what was sent,
  kept for ops to retry and investigate a failure; the person reads the same message in the inbox. The
  CNIL's recommendation on logging (2021) keeps such traces between 6 months and 1 year: Abri keeps
  the lower bound, counted from the message's date.
- ``inbox_days`` (730): an in-app message tells a social worker, a household, an owner or a fund agent
  of a step of a placement or a file: part of the social follow-up, which the CNIL keeps in the live
  base at most 2 years after the last contact (délibération 2016-095, AU-048, art. 4; its retention
  framework for the social sector keeps 2 years). Counted from the message's date, each message being
  a contact.
- ``idle_person_days`` (730): a person's directory entry (sealed e-mail address and phone number,
  language, quiet hours) goes when they have not used the service (read their inbox or preferences)
  for 2 years, the length the CNIL deems proportionate for deleting inactive accounts; their inbox
  messages and their pending deliveries go with it.

A deployment overrides any of them with ``ABRI_NOTIFICATIONS_RETENTION`` (JSON); ``docs/domain-rules.md``
("Retention") gives the sources and the date they were checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetentionPolicy:
    """The periods, in days (see the module's docstring for their sources)."""

    delivery_days: int = 180
    inbox_days: int = 730
    idle_person_days: int = 730

    def __post_init__(self) -> None:
        for name in ("delivery_days", "inbox_days", "idle_person_days"):
            if not 1 <= getattr(self, name) <= 3650:
                raise ValueError(f"{name} is a number of days from 1 to 3650")

    def deliveries_before(self, now: datetime) -> datetime:
        """Deliveries dated before this instant have outlived their period."""
        return now - timedelta(days=self.delivery_days)

    def messages_before(self, now: datetime) -> datetime:
        """Inbox messages dated before this instant have outlived their period."""
        return now - timedelta(days=self.inbox_days)

    def idle_before(self, now: datetime) -> datetime:
        """People last seen before this instant have outlived their period."""
        return now - timedelta(days=self.idle_person_days)
