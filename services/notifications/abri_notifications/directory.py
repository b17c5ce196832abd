"""Keeping the directory in step with the people who call the service: their organisation and roles are
those of their token, refreshed at each call; their own choices (channels, addresses, language, quiet
hours) they set themselves (``api/me.py``)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from abri_auth.principal import Principal
from abri_notifications.db.directory import Person

DEFAULT_LANGUAGE = "fr"
DEFAULT_ZONE = "Europe/Paris"


async def enrol(session: AsyncSession, principal: Principal) -> Person:
    """The caller's entry, created with the defaults (inbox only, French) or refreshed from the token."""
    roles = sorted(principal.roles)
    statement = insert(Person).values(
        subject=principal.subject,
        org_id=principal.org_id,
        roles=roles,
        language=DEFAULT_LANGUAGE,
        channels=[],
        zone=DEFAULT_ZONE,
        daily_digest=False,
    )
    await session.execute(
        statement.on_conflict_do_update(index_elements=[Person.subject], set_={"org_id": principal.org_id, "roles": roles})
    )
    person = await session.get(Person, principal.subject, populate_existing=True)
    assert person is not None
    return person
