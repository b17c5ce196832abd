"""Where a household's file stands, for the household itself, from the assistant's read model."""

from __future__ import annotations

from abri_assistant.db import files
from abri_assistant.domain.file_state import FileAnswer, file_answer
from abri_kit.usecase import Context


async def where_my_file_stands(ctx: Context, account_subject: str) -> FileAnswer:
    """Where the file of the household whose own account is ``account_subject`` stands (its latest placement
    still running), and what comes next."""
    linked, placements = await files.file_of(ctx, account_subject)
    return file_answer(linked, placements)
