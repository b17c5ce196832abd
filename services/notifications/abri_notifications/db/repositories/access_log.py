"""The log of reads of people's personal data by anyone other than the person (``abri_kit.access_log``)
and its anchors.

A person sees the entries about themselves (``person`` = their subject); a household's association sees
them through the household (``HouseholdAccessLog``, scoped as the export is: the household's
``org_id``). Appending is the service's (``for_system``), in the transaction of the read; so are anchoring
and pruning. The MAC key comes from the service's secrets (``ABRI_NOTIFICATIONS_ACCESS_LOG_KEY``), never
from the database.
"""

from __future__ import annotations

from datetime import datetime

from abri_auth.principal import Principal
from abri_kit import access_log
from abri_kit.access_log import ChainAnchors, MacKeys
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository
from abri_notifications.db.access_log import PersonAccessLogAnchor, PersonAccessLogEntry
from abri_notifications.domain.access import PersonalDataPurpose
from abri_notifications.settings import ACCESS_LOG_KEY_VARIABLE

ACCESS_LOG_LOCK = 0x61627269_6E616C  # "abrinal": the advisory lock that serialises appends to the chain


def access_log_keys() -> MacKeys:
    """The access log's MAC keys, from the service's secrets (``ABRI_NOTIFICATIONS_ACCESS_LOG_KEY``)."""
    return MacKeys.from_environment(ACCESS_LOG_KEY_VARIABLE)


class PersonAccessLog(ScopedRepository[PersonAccessLogEntry]):
    """The reads of the caller's own data (``person`` = its subject); the service's own: all of them."""

    model = PersonAccessLogEntry
    owner_column = "person"
    kind = "access log entry"

    async def append(self, person: str, *, reader: Principal, purpose: PersonalDataPurpose, at: datetime) -> PersonAccessLogEntry:
        """Log that ``reader`` read ``person``'s data at ``at`` and why, in the caller's transaction."""
        return await access_log.append_read(
            self.session,
            PersonAccessLogEntry,
            subject="person",
            subject_id=person,
            reader=reader,
            purpose=PersonalDataPurpose(purpose).value,
            lock_id=ACCESS_LOG_LOCK,
            keys=access_log_keys(),
            at=at,
        )

    async def page_of(self, person: str, request: PageRequest) -> tuple[list[PersonAccessLogEntry], str | None]:
        """A person's entries, oldest first (by time, then by MAC: the chain's service-wide ``seq`` and
        ``position`` are shown to no one)."""
        rows, next_cursor = await self.page(
            request, (PersonAccessLogEntry.at, PersonAccessLogEntry.mac), where=[PersonAccessLogEntry.person == person]
        )
        return list(rows), next_cursor


class PersonAccessLogAnchors(ChainAnchors):
    """The chain's anchors: its heads, and its start after a retention prune (the service's own)."""

    model = PersonAccessLogAnchor
    entries = PersonAccessLogEntry
    lock_id = ACCESS_LOG_LOCK
