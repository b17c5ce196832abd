"""The log of reads of households' personal data (``abri_kit.access_log``) and its anchors.

Entries are seen through their household (a caller sees the entries of its households). Appending,
anchoring and pruning are the service's own (``for_system``): the MAC key comes from
``ABRI_MATCHING_ACCESS_LOG_KEY``, never from the database.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from abri_auth.principal import Principal
from abri_kit import access_log
from abri_kit.access_log import ChainAnchors, MacKeys
from abri_kit.pagination import PageRequest
from abri_matching.db.access_log import AccessLogAnchor, AccessLogEntry
from abri_matching.db.repositories.households import OfHousehold
from abri_matching.settings import ACCESS_LOG_KEY_VARIABLE

ACCESS_LOG_LOCK = 0x61627269_6C6F67  # "abrilog": the advisory lock that serialises appends to the access log


def mac_keys() -> MacKeys:
    """The chain's MAC keys, from the service's secrets (:class:`~abri_kit.access_log.AccessLogKeyError` if unset)."""
    return MacKeys.from_environment(ACCESS_LOG_KEY_VARIABLE)


class AccessLog(OfHousehold[AccessLogEntry]):
    """The reads of households' personal data, a keyed chain (``abri_kit.access_log``)."""

    model = AccessLogEntry
    kind = "access log entry"

    async def page_of(self, household_id: uuid.UUID, request: PageRequest) -> tuple[list[AccessLogEntry], str | None]:
        """A household's entries, oldest first (by time, then by MAC: the chain's service-wide ``seq`` and
        ``position``, which count every association's reads, are shown to no one, not even in a cursor)."""
        return await self.page(request, (AccessLogEntry.at, AccessLogEntry.mac), where=[AccessLogEntry.household_id == household_id])

    async def append(self, household_id: uuid.UUID, reader: Principal, *, purpose: str, at: datetime) -> AccessLogEntry:
        """Log that ``reader`` (its subject, role and organisation) read the household's personal data at
        ``at``, for ``purpose``, in the reader's transaction."""
        return await access_log.append(
            self.session,
            AccessLogEntry,
            subject="household_id",
            subject_id=household_id,
            actor=reader.subject,
            actor_role=access_log.role_of(reader.roles),
            actor_org=reader.org_id,
            purpose=purpose,
            lock_id=ACCESS_LOG_LOCK,
            keys=mac_keys(),
            at=at,
        )


class AccessLogAnchors(ChainAnchors):
    """The chain's anchors: its heads, and its start after a retention prune (the service's own)."""

    model = AccessLogAnchor
    entries = AccessLogEntry
    lock_id = ACCESS_LOG_LOCK
