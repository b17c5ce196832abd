"""Fixtures of the web front's page tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from abri_gateway.web import i18n
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrate_every_service
from tests.web.support import Stack, running_stack


@pytest.fixture(scope="module")
def migrated() -> None:
    """Every service's database migrated, for the page tests that run the services (not the unit ones)."""
    migrate_every_service()


@pytest.fixture(scope="module")
async def stack(issuer: TestIssuer, migrated: None) -> AsyncIterator[Stack]:
    """Every service and the gateway, for the tests of one module."""
    async for running in running_stack(issuer):
        yield running


@pytest.fixture
def french() -> Iterator[None]:
    """The pages' words in French, for a unit test that renders them outside a request."""
    token = i18n.use("fr")
    try:
        yield
    finally:
        i18n._current.reset(token)
