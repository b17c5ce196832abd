"""Anchors of the access logs: at regular intervals each service that logs reads of personal data
publishes the head of its chain (``abri_kit.access_log``), and the new start of the chain after each
retention prune, on its own topic ``abri.<service>.audit`` (keyed by the chain's name, so a chain's
anchors stay in order). What is published there the database's owner cannot take back: ``abri-ops
access-log verify`` reads it to find a chain cut at its end or rewritten.

No personal data: positions, sequence numbers, MACs, times and a key id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from abri_contracts.base import EventContract, contract


class AccessLogAnchored(EventContract):
    """A point of a service's access log, recorded outside its database."""

    chain: str = Field(description="The chain's name (`<service>.<table>`), also the message key.")
    kind: Literal["head", "prune"] = Field(
        description=(
            "`head`: the chain's last entry when anchored; `prune`: the last entry a retention prune removed (the chain's new start)."
        )
    )
    head_position: int = Field(ge=1, description="The entry's position in the chain (entries since the first ever: the count).")
    head_seq: int = Field(ge=1, description="The entry's sequence number in its table.")
    head_mac: str = Field(pattern=r"^[0-9a-f]{64}$", description="The entry's MAC (HMAC-SHA-256, hex).")
    head_at: datetime = Field(description="When the entry's read happened.")
    key_id: str = Field(description="The id of the MAC key the entry names (the key itself is never published).")
    anchored_at: datetime

    @classmethod
    def topic(cls) -> str:
        """``abri.<service>.audit``: one topic for a service's audit anchors, whatever the chain."""
        return f"abri.{cls.service()}.audit"


@contract
class MatchingAccessLogAnchored(AccessLogAnchored):
    """The head (or the new start) of matching's log of reads of households' personal data."""

    event_type = "abri.matching.access_log.anchored.v1"
    aggregate_id_field = "chain"
    summary = "Matching's access log anchored outside its database (its head, or its start after a prune)."


@contract
class GuaranteesAccessLogAnchored(AccessLogAnchored):
    """The head (or the new start) of guarantees' log of reads of guarantee files' personal data."""

    event_type = "abri.guarantees.access_log.anchored.v1"
    aggregate_id_field = "chain"
    summary = "Guarantees' access log anchored outside its database (its head, or its start after a prune)."


@contract
class NotificationsAccessLogAnchored(AccessLogAnchored):
    """The head (or the new start) of notifications' log of reads of people's personal data by others."""

    event_type = "abri.notifications.access_log.anchored.v1"
    aggregate_id_field = "chain"
    summary = "Notifications' access log anchored outside its database (its head, or its start after a prune)."


@contract
class AssistantAccessLogAnchored(AccessLogAnchored):
    """The head (or the new start) of the assistant's log of reads of conversations by social workers."""

    event_type = "abri.assistant.access_log.anchored.v1"
    aggregate_id_field = "chain"
    summary = "The assistant's access log anchored outside its database (its head, or its start after a prune)."
