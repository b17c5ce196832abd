"""The log of reads of people's personal data by anyone other than the person (``abri_kit.access_log``)
and its anchors.

A person sees the entries about themselves (``person`` = their subject); a household's association sees
them through the household (``usecases/access_log.py``, scoped as the export is: the household's
``org_id``). Appending is the service's (``for_system``), in the transaction of the read; so are anchoring
and pruning. The MAC key comes from the service's secrets (``ABRI_NOTIFICATIONS_ACCESS_LOG_KEY``), never
from the database.
"""

from __future__ import annotations

from abri_kit.access_log import ChainAnchors, PersonReadsLog
from abri_notifications.db.access_log import PersonAccessLogAnchor, PersonAccessLogEntry
from abri_notifications.settings import ACCESS_LOG_KEY_VARIABLE

ACCESS_LOG_LOCK = 0x61627269_6E616C  # "abrinal": the advisory lock that serialises appends to the chain


class PersonAccessLog(PersonReadsLog[PersonAccessLogEntry]):
    """The reads of the caller's own data (``person`` = its subject); the service's own: all of them."""

    model = PersonAccessLogEntry
    lock_id = ACCESS_LOG_LOCK
    key_variable = ACCESS_LOG_KEY_VARIABLE


class PersonAccessLogAnchors(ChainAnchors):
    """The chain's anchors: its heads, and its start after a retention prune (the service's own)."""

    model = PersonAccessLogAnchor
    entries = PersonAccessLogEntry
    lock_id = ACCESS_LOG_LOCK
