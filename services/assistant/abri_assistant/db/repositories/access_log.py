"""The access log's repositories: appending a reading of a person's conversation by someone else (in the
transaction of the reading) and paging a person's entries; the chain's anchors. The MAC key comes from the
service's secrets (``ABRI_ASSISTANT_ACCESS_LOG_KEY``), never from the database."""

from __future__ import annotations

from datetime import datetime

from abri_assistant.db.access_log import PersonAccessLogAnchor, PersonAccessLogEntry
from abri_assistant.domain.access import PersonalDataPurpose
from abri_assistant.settings import ACCESS_LOG_KEY_VARIABLE
from abri_auth.principal import Principal
from abri_kit import access_log
from abri_kit.access_log import ChainAnchors, MacKeys
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository

ACCESS_LOG_LOCK = 0x61627269_617369  # "abriasi": the advisory lock that serialises appends to the chain


def access_log_keys() -> MacKeys:
    return MacKeys.from_environment(ACCESS_LOG_KEY_VARIABLE)


class PersonAccessLog(ScopedRepository[PersonAccessLogEntry]):
    """The readings of the caller's own conversations (``person`` = its subject); the service's own: all."""

    model = PersonAccessLogEntry
    owner_column = "person"
    kind = "access log entry"

    async def append(self, person: str, *, reader: Principal, purpose: PersonalDataPurpose, at: datetime) -> PersonAccessLogEntry:
        """Log that ``reader`` read ``person``'s conversation at ``at`` and why, in the caller's transaction."""
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
        """A person's entries, oldest first."""
        rows, next_cursor = await self.page(
            request, (PersonAccessLogEntry.at, PersonAccessLogEntry.mac), where=[PersonAccessLogEntry.person == person]
        )
        return list(rows), next_cursor


class PersonAccessLogAnchors(ChainAnchors):
    """The chain's anchors: its heads, and its start after a retention prune (the service's own)."""

    model = PersonAccessLogAnchor
    entries = PersonAccessLogEntry
    lock_id = ACCESS_LOG_LOCK
