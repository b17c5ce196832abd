"""The knowledge base in PostgreSQL (the assistant's own database, migrated): loaded from the repository's files
(again without a duplicate; an entry removed from the files leaves the table) and searched in each language by
full text and by trigrams: the entry a question is about comes first, a misspelled question still finds it, and
an entry not meant for the asker's audience is never offered."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from abri_assistant.db.knowledge import load, search
from abri_assistant.knowledge_files import knowledge_base
from tests.support import database_url

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
async def session() -> AsyncIterator[AsyncSession]:
    url = database_url("assistant")
    env = {**os.environ, "ABRI_ASSISTANT_DATABASE_URL": url}
    await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "abri_assistant.migrate"], env=env, cwd=REPO, check=True, timeout=120)
    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as opened:
            await load(opened, knowledge_base(), NOW)
            await opened.commit()
            yield opened
    finally:
        await engine.dispose()


async def test_the_files_load_once_and_an_entry_removed_leaves(session: AsyncSession) -> None:
    entries = knowledge_base()
    count = "SELECT count(*) FROM knowledge"
    assert (await session.execute(sa.text(count))).scalar_one() == 4 * len(entries)
    await load(session, entries[1:], NOW)
    assert (await session.execute(sa.text(count))).scalar_one() == 4 * (len(entries) - 1)
    await load(session, entries, NOW)
    await session.commit()
    assert (await session.execute(sa.text(count))).scalar_one() == 4 * len(entries)


@pytest.mark.parametrize(
    ("language", "question", "entry"),
    [
        ("fr", "c'est quoi exactement un bail glissant ?", "sliding-lease"),
        ("fr", "combien de temps pour recuperer ma caution", "deposit"),
        ("fr", "bail glisant", "sliding-lease"),  # misspelled: the trigrams find it
        ("en", "how long does the fund take to decide on my guarantee", "guarantee-decision-time"),
        ("ar", "ما هو الإيجار المنزلق", "sliding-lease"),
        ("uk", "що таке ковзна оренда", "sliding-lease"),
    ],
)
async def test_the_entry_a_question_is_about_comes_first(session: AsyncSession, language: str, question: str, entry: str) -> None:
    found = await search(session, language, "household", question)  # type: ignore[arg-type]
    assert found and found[0].entry_id == entry, found[:3]
    assert 0 < found[0].score <= 1


async def test_an_entry_for_another_audience_is_never_offered(session: AsyncSession) -> None:
    for_workers = [e.id for e in knowledge_base() if e.audiences == ("social_worker",)]
    assert for_workers
    question = knowledge_base()[[e.id for e in knowledge_base()].index(for_workers[0])].wordings["fr"].question
    assert for_workers[0] in [c.entry_id for c in await search(session, "fr", "social_worker", question)]
    assert for_workers[0] not in [c.entry_id for c in await search(session, "fr", "household", question)]
