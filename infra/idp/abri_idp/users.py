"""The demo people: stable subjects, roles and organisations; their passwords live in ``credentials.env``."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from abri_idp.catalog import scopes_for_roles
from abri_idp.credentials import password_key

SUBJECT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:abri:idp:subject")
"""Subjects are ``uuid5(SUBJECT_NAMESPACE, username)``: opaque, and the same on every install and restart."""


@dataclass(frozen=True)
class User:
    """A demo person (authlib reads its id through :meth:`get_user_id`)."""

    username: str
    name: str
    roles: tuple[str, ...]
    org_id: str | None = None

    @property
    def subject(self) -> str:
        """The stable opaque ``sub``."""
        return str(uuid.uuid5(SUBJECT_NAMESPACE, self.username))

    @property
    def allowed_scopes(self) -> frozenset[str]:
        """What this person's roles allow."""
        return scopes_for_roles(self.roles, person=True)

    def get_user_id(self) -> str:
        """authlib's user id: the subject."""
        return self.subject


DEMO_USERS: tuple[User, ...] = (
    User("owner1", "Camille Martin", ("owner",)),
    User("owner2", "Louis Bernard", ("owner",)),
    User("sw1", "Inès Petit", ("social_worker",), "assoc-1"),
    User("sw2", "Hugo Robert", ("social_worker",), "assoc-2"),
    User("agent1", "Nadia Richard", ("fund_agent",), "fund-1"),
    User("agent2", "Paul Durand", ("fund_agent",), "fund-2"),
    User("ops1", "Léa Moreau", ("ops",)),
    User("household1", "Yasmine Diallo", ("household",), "assoc-1"),
)


class UserDirectory:
    """Looks people up by username or subject and checks their passwords."""

    def __init__(self, users: Iterable[User], credentials: Mapping[str, str]) -> None:
        self._by_username = {user.username: user for user in users}
        self._by_subject = {user.subject: user for user in self._by_username.values()}
        self._passwords = {name: credentials[password_key(name)] for name in self._by_username}

    def __iter__(self) -> Iterator[User]:
        return iter(self._by_username.values())

    def by_subject(self, subject: str) -> User | None:
        """The person with this ``sub``, if any."""
        return self._by_subject.get(subject)

    def authenticate(self, username: str, password: str) -> User | None:
        """The person if the password matches (compared in constant time), else None."""
        expected = self._passwords.get(username)
        matches = secrets.compare_digest((expected or "\0").encode(), password.encode())
        return self._by_username[username] if expected is not None and matches else None
