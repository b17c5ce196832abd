"""The people notifications may tell: a person reads and sets only their own entry (``subject`` = their
account). The dispatcher finds an organisation's members and the digests the owners who chose one, for
the service itself."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from abri_kit.repository import ScopedRepository
from abri_notifications.db.directory import Person
from abri_notifications.domain.templates import DEFAULT_LANGUAGE, DEFAULT_ZONE


class People(ScopedRepository[Person]):
    model = Person
    owner_column = "subject"
    kind = "person"

    async def enrol(self, now: datetime) -> Person:
        """The caller's entry, created with the defaults (inbox only, French) or its organisation and roles
        refreshed from the token; either way seen ``now`` (the retention of idle entries counts from it)."""
        if self.principal is None:
            raise TypeError("only a caller enrols: the service itself is no one to tell")
        subject, org_id, roles = self.principal.subject, self.principal.org_id, sorted(self.principal.roles)
        statement = insert(Person).values(
            subject=subject,
            org_id=org_id,
            roles=roles,
            language=DEFAULT_LANGUAGE,
            channels=[],
            zone=DEFAULT_ZONE,
            daily_digest=False,
            updated_at=now,
            last_seen_at=now,
        )
        seen = sa.func.greatest(Person.last_seen_at, now)
        changes = {"org_id": org_id, "roles": roles, "last_seen_at": seen}
        refreshed = statement.on_conflict_do_update(index_elements=[Person.subject], set_=changes)
        await self.session.execute(refreshed)
        person = await self.session.get(Person, subject, populate_existing=True)
        assert person is not None
        return person

    async def members(self, org_id: str, role: str) -> list[Person]:
        """The people of organisation ``org_id`` holding ``role``, by subject."""
        in_role = sa.literal(role) == sa.any_(Person.roles)
        members = self.select().where(Person.org_id == org_id, in_role).order_by(Person.subject)
        return list((await self.session.scalars(members)).all())

    async def taking_digests(self, after: str | None, batch: int) -> list[Person]:
        """Up to ``batch`` people who chose the daily digest and can get it by email, by subject after
        ``after``, locked for this transaction (those another replica holds are skipped)."""
        takers = self.select().where(Person.daily_digest, Person.has_email, sa.literal("email") == sa.any_(Person.channels))
        if after is not None:
            takers = takers.where(Person.subject > after)
        return list((await self.session.scalars(takers.order_by(Person.subject).limit(batch).with_for_update(skip_locked=True))).all())
