"""The knowledge base written into the database at start (``db/knowledge.py``: the repository's files are its
only source), and again every ``every_s`` until it worked once: a database away at start delays the answers,
never the service. Replicas starting together take turns (a transaction-scoped advisory lock); each writes
the same rows. Until it is loaded, every question finds nothing: the assistant says it does not know, offers
the hand-over and shows the emergency numbers, never a made-up answer."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from fastapi import FastAPI

from abri_assistant.db import knowledge
from abri_assistant.knowledge_files import knowledge_base
from abri_kit.periodic import periodic

log = logging.getLogger(__name__)


@dataclass
class KnowledgeLoading:
    """Whether this replica wrote the knowledge base yet: its loader and its readiness check."""

    every_s: float = 30.0
    loaded: bool = False

    async def load(self, app: FastAPI) -> int:
        """Write the knowledge base if this replica has not yet; how many entries (0 once done)."""
        if self.loaded:
            return 0
        entries = knowledge_base()
        async with app.state.sessionmaker() as session, session.begin():
            await knowledge.load_alone(session, entries, app.state.clock())
        self.loaded = True
        return len(entries)

    def loader(self) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        """Load at start (a failure is logged), then retry on a schedule until loaded."""
        retry = periodic("assistant-knowledge", self.every_s, self.load, "%d knowledge entries loaded")

        @contextlib.asynccontextmanager
        async def held(app: FastAPI) -> AsyncIterator[None]:
            try:
                log.info("%d knowledge entries loaded", await self.load(app))
            except Exception:  # the database may be away: the periodic job tries again
                log.exception("the knowledge base could not be loaded at start")
            async with retry(app):
                yield

        return held
