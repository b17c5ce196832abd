"""Fixtures of the browser tier: the local identity provider, the services and the gateway, Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser

from abri_idp.credentials import client_secret_key, password_key, read_env_file
from abri_idp.testing import LocalIdp
from tests.browser.support import chromium
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import free_port
from tests.web.support import Stack, running_stack


@dataclass
class Live:
    """Everything a browser test reaches."""

    idp: LocalIdp
    stack: Stack
    browser: Browser

    @property
    def url(self) -> str:
        return self.stack.gateway_url

    def password(self, username: str) -> str:
        return read_env_file(self.idp.directory / "credentials.env")[password_key(username)]

    async def ops_token(self) -> str:
        """An access token of the demo ops person (client credentials are not people: sign in as them)."""
        from abri_idp.testing import login

        token = await login(
            self.idp.issuer,
            "ops1",
            self.password("ops1"),
            "abri-web",
            self._secret(),
            f"{self.url}/callback",
            "openid guarantees:write guarantees:read",
        )
        return str(token["access_token"])

    def _secret(self) -> str:
        return read_env_file(self.idp.directory / "credentials.env")[client_secret_key("abri-web")]


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory, migrated: None) -> AsyncIterator[Live]:
    port = free_port()
    gateway_url = f"http://127.0.0.1:{port}"
    idp = LocalIdp(
        Path(tmp_path_factory.mktemp("idp")),
        env={"ABRI_IDP_WEB_REDIRECT_URIS": f"{gateway_url}/callback", "ABRI_IDP_WEB_POST_LOGOUT_REDIRECT_URIS": f"{gateway_url}/"},
    )
    idp.start()
    try:
        secret = read_env_file(idp.directory / "credentials.env")[client_secret_key("abri-web")]
        async for stack in running_stack(idp.issuer, gateway_port=port, public_url=gateway_url, oidc_client_secret=secret):
            async with chromium() as browser:
                yield Live(idp, stack, browser)
    finally:
        idp.stop()


async def api(live: Live, method: str, path: str, token: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
        return await client.request(method, f"/api{path}", headers={"authorization": f"Bearer {token}"}, **kwargs)  # type: ignore[arg-type]
