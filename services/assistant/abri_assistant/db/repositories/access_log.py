"""The access log's repositories (``abri_kit.access_log``): the readings of a person's conversations by someone
else, appended in the transaction of the reading, paged for the person; the chain's anchors. The MAC key comes
from the service's secrets (``ABRI_ASSISTANT_ACCESS_LOG_KEY``), never from the database."""

from __future__ import annotations

from abri_assistant.db.access_log import PersonAccessLogAnchor, PersonAccessLogEntry
from abri_assistant.settings import ACCESS_LOG_KEY_VARIABLE
from abri_kit.access_log import ChainAnchors, PersonReadsLog

ACCESS_LOG_LOCK = 0x61627269_617369  # "abriasi": the advisory lock that serialises appends to the chain


class PersonAccessLog(PersonReadsLog[PersonAccessLogEntry]):
    """The readings of the caller's own conversations (``person`` = its subject); the service's own: all."""

    model = PersonAccessLogEntry
    lock_id = ACCESS_LOG_LOCK
    key_variable = ACCESS_LOG_KEY_VARIABLE


class PersonAccessLogAnchors(ChainAnchors):
    """The chain's anchors: its heads, and its start after a retention prune (the service's own)."""

    model = PersonAccessLogAnchor
    entries = PersonAccessLogEntry
    lock_id = ACCESS_LOG_LOCK
