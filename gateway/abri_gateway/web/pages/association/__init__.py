"""The social worker's pages: my association's households (register, edit, consents, the privacy notice,
who read their personal data, erasing their data everywhere), searching units, explained matches both ways, batch suggestions,
proposals, placements and their timeline (lease, sliding-lease reviews), guarantee files with their
documents and visa, and the conversations with the assistant that households handed to the association.

Every call goes to the services with the worker's own token: they scope everything to the association,
so another association's id answers the 404 page. Personal data never go in a URL: filters and ids only.
Each module holds one part of the area and its own router; this one puts them under ``/association``.
"""

from __future__ import annotations

from fastapi import APIRouter

from abri_gateway.web.pages.association import (
    conversations,
    documents,
    erasure,
    files,
    households,
    matches,
    placements,
    search,
    suggestions,
)

router = APIRouter(prefix="/association")
for part in (households, erasure, search, matches, suggestions, placements, files, documents, conversations):
    router.include_router(part.router)
