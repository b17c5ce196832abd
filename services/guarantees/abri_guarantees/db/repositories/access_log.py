"""The log of reads of guarantee files' personal data (``abri_kit.access_log``) and its anchors.

Entries are seen through their file (whoever sees the file sees who read it: its fund's agents, its
association's social workers). Appending is ``Files.log_read``; anchoring and pruning are the
service's own (``for_system``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from abri_guarantees.db.access_log import FileAccessLogAnchor, FileAccessLogEntry
from abri_guarantees.db.repositories.files import ACCESS_LOG_LOCK, ThroughFile
from abri_kit import access_log
from abri_kit.access_log import Anchor
from abri_kit.pagination import PageRequest
from abri_kit.repository import ScopedRepository


class FileAccessLog(ThroughFile):
    """The reads of the caller's files' personal data."""

    model = FileAccessLogEntry
    kind = "access log entry"

    async def page_of(self, file_id: uuid.UUID, request: PageRequest) -> tuple[list[FileAccessLogEntry], str | None]:
        """A file's entries, oldest first (by time, then by MAC: the chain's service-wide ``seq`` and ``position``
        are shown to no one)."""
        rows, next_cursor = await self.page(
            request, (FileAccessLogEntry.at, FileAccessLogEntry.mac), where=[FileAccessLogEntry.file_id == file_id]
        )
        return list(rows), next_cursor


class FileAccessLogAnchors(ScopedRepository[FileAccessLogAnchor]):
    """The chain's anchors: its heads, and its start after a retention prune (the service's own)."""

    model = FileAccessLogAnchor
    kind = "access log anchor"

    async def anchor_head(self, now: datetime) -> Anchor | None:
        """Record the chain's head if it moved since the last anchored (the anchor to publish), else None."""
        return await access_log.anchor_head(self.session, FileAccessLogEntry, FileAccessLogAnchor, lock_id=ACCESS_LOG_LOCK, now=now)

    async def prune(self, before: datetime, now: datetime) -> Anchor | None:
        """Remove the entries older than ``before`` at the start of the chain (anchored first); the anchor, or None."""
        return await access_log.prune(
            self.session, FileAccessLogEntry, FileAccessLogAnchor, before=before, lock_id=ACCESS_LOG_LOCK, now=now
        )
