"""Fixtures of the identity tests: a test issuer served over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from abri_auth.tokens import TokenPolicy, TokenValidator
from tests.oidc_issuer import AUDIENCE, TestIssuer


@pytest.fixture
async def validator(issuer: TestIssuer) -> AsyncIterator[TokenValidator]:
    async with httpx.AsyncClient() as http:
        yield TokenValidator(TokenPolicy(issuer=issuer.issuer, audience=AUDIENCE), http, min_refresh_interval=1.0)
