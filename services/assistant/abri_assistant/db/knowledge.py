"""The knowledge base's table, as the retrieval reads it: one row per entry and language, its text searched
with the language's text search configuration (PostgreSQL full-text search: French, English and Arabic
stemmers; Ukrainian has none in PostgreSQL, its words are matched as written) and by trigram similarity of
the ways people ask (``pg_trgm``), which catches the misspellings and the forms a stemmer does not.

The rows are the repository's files (``knowledge/*.toml``), written again at each start of the service
(:func:`load`): the table holds nothing else, and nothing personal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from abri_assistant.db.base import Base
from abri_assistant.domain.knowledge import Entry
from abri_assistant.domain.replies import Candidate
from abri_assistant.domain.urgency import Language, normalise

SEARCH_CONFIGS: dict[Language, str] = {"fr": "french", "en": "english", "ar": "arabic", "uk": "simple"}
"""The text search configuration of each language (PostgreSQL has no Ukrainian stemmer: ``simple``)."""


class KnowledgeRow(Base):
    __tablename__ = "knowledge"

    entry_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(40))
    audiences: Mapped[list[str]] = mapped_column(ARRAY(sa.String(20)))
    question: Mapped[str] = mapped_column(sa.Text)
    also: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    answer: Mapped[str] = mapped_column(sa.Text)
    source_title: Mapped[str] = mapped_column(sa.Text)
    source_url: Mapped[str] = mapped_column(sa.Text)
    source_language: Mapped[str] = mapped_column(sa.String(2))
    checked_on: Mapped[date] = mapped_column(sa.Date)
    document: Mapped[str] = mapped_column(TSVECTOR)
    """The question and its other phrasings (weight A) and the answer (weight C), in the language's configuration."""
    phrasings: Mapped[str] = mapped_column(sa.Text)
    """The question and its other phrasings, normalised as messages are (``domain.urgency.normalise``), for trigrams."""
    loaded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index("ix_knowledge_document", "document", postgresql_using="gin"),
        sa.Index("ix_knowledge_phrasings", "phrasings", postgresql_using="gin", postgresql_ops={"phrasings": "gin_trgm_ops"}),
    )


async def load(session: AsyncSession, entries: Sequence[Entry], now: datetime) -> None:
    """Write the repository's entries, each language with its configuration; remove the rows of entries gone."""
    for entry in entries:
        for language, wording in entry.wordings.items():
            config: sa.ColumnClause[Any] = sa.literal_column(
                f"'{SEARCH_CONFIGS[language]}'::regconfig"
            )  # a name of the table above, never input
            asked = " ".join((wording.question, *wording.also))
            document = sa.func.setweight(sa.func.to_tsvector(config, asked), sa.literal_column("'A'")).op("||")(
                sa.func.setweight(sa.func.to_tsvector(config, wording.answer), sa.literal_column("'C'"))
            )
            values = {
                "entry_id": entry.id,
                "language": language,
                "topic": entry.topic,
                "audiences": list(entry.audiences),
                "question": wording.question,
                "also": list(wording.also),
                "answer": wording.answer,
                "source_title": entry.source.title,
                "source_url": entry.source.url,
                "source_language": entry.source.language,
                "checked_on": entry.source.checked_on,
                "document": document,
                "phrasings": " | ".join(normalise(text, language) for text in (wording.question, *wording.also)),
                "loaded_at": now,
            }
            statement = insert(KnowledgeRow).values(**values)
            kept = {name: statement.excluded[name] for name in values if name not in ("entry_id", "language")}
            await session.execute(statement.on_conflict_do_update(index_elements=["entry_id", "language"], set_=kept))
    await session.execute(sa.delete(KnowledgeRow).where(KnowledgeRow.entry_id.not_in([entry.id for entry in entries])))


LOAD_LOCK = 0x61627269_6B6E6F  # "abrikno": replicas starting together load one after the other


async def load_alone(session: AsyncSession, entries: Sequence[Entry], now: datetime) -> None:
    """:func:`load`, holding the transaction's advisory lock: another replica loading waits, then writes the same rows."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOAD_LOCK)))
    await load(session, entries, now)


SEARCH = sa.text(
    """
    WITH asked AS (
        SELECT to_tsquery('simple', coalesce(string_agg(quote_literal(lexeme), ' | '), '')) AS query
        FROM unnest(tsvector_to_array(to_tsvector(CAST(:config AS regconfig), :text))) AS lexeme
    )
    SELECT entry_id,
           ts_rank(document, asked.query, 32) AS words,
           word_similarity(:normalised, phrasings) AS letters
    FROM knowledge, asked
    WHERE language = :language AND :audience = ANY(audiences)
    ORDER BY :weight * ts_rank(document, asked.query, 32) + (1 - :weight) * word_similarity(:normalised, phrasings) DESC,
             entry_id
    LIMIT :limit
    """
)


async def search(
    session: AsyncSession, language: Language, audience: str, text: str, *, weight: float = 0.5, limit: int = 5
) -> list[Candidate]:
    """The entries for ``audience`` closest to ``text`` in ``language``, best first: a score between 0 and 1, the
    weighted mean of the words in common (full-text rank, normalised) and of the letters (trigram similarity)."""
    rows = await session.execute(
        SEARCH,
        {
            "config": SEARCH_CONFIGS[language],
            "text": text,
            "normalised": normalise(text, language),
            "language": language,
            "audience": audience,
            "weight": weight,
            "limit": limit,
        },
    )
    return [Candidate(row.entry_id, weight * float(row.words) + (1 - weight) * float(row.letters)) for row in rows]


async def entry(session: AsyncSession, entry_id: str, language: Language) -> KnowledgeRow | None:
    """An entry in ``language`` as loaded (None: not in the table, e.g. removed since)."""
    found: KnowledgeRow | None = await session.get(KnowledgeRow, (entry_id, language))
    return found


async def loaded(session: AsyncSession) -> int:
    """How many rows the table holds (0: the knowledge base was never loaded)."""
    return int(await session.scalar(sa.select(sa.func.count()).select_from(KnowledgeRow)) or 0)
