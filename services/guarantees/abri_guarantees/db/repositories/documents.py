"""A file's documents, seen by whoever sees the file."""

from __future__ import annotations

import uuid
from typing import Any, cast

import sqlalchemy as sa

from abri_guarantees.db.documents import Document
from abri_guarantees.db.repositories.files import ThroughFile
from abri_kit.pagination import PageRequest


class Documents(ThroughFile):
    model = Document
    kind = "document"

    async def in_file(self, file_id: uuid.UUID, document_id: uuid.UUID) -> Document | None:
        """The document ``document_id`` of file ``file_id``, if the caller sees it."""
        statement = self.select().where(Document.id == document_id, Document.file_id == file_id)
        found: Document | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def kinds_in(self, file_id: uuid.UUID) -> list[str]:
        """The kinds of the documents a file holds (one per document)."""
        statement = self.where_visible(sa.select(Document.kind)).where(Document.file_id == file_id)
        return list((await self.session.execute(statement)).scalars())

    async def held_in(self, file_id: uuid.UUID) -> list[tuple[str, str | None]]:
        """The ``(kind, sub_kind)`` of each document a file holds (sub-kind ``None`` for an older upload)."""
        columns = cast("sa.Select[Any]", sa.select(Document.kind, Document.sub_kind))
        statement = self.where_visible(columns).where(Document.file_id == file_id)
        return [(kind, sub_kind) for kind, sub_kind in (await self.session.execute(statement)).all()]

    async def page_of_file(self, file_id: uuid.UUID, request: PageRequest) -> tuple[list[Document], str | None]:
        """One page of a file's documents, in the order they were uploaded."""
        return await self.page(request, (Document.uploaded_at, Document.id), where=[Document.file_id == file_id])

    async def remove(self, document: Document) -> None:
        await self.session.delete(document)
