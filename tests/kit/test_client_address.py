"""The caller's address behind proxies: ``X-Forwarded-For`` read from the right, only from configured
proxies, so that a client cannot choose the address its limits are counted under."""

from __future__ import annotations

import pytest

from abri_kit.client_address import TrustedProxies, client_address

pytestmark = pytest.mark.unit

PROXIES = TrustedProxies(["10.0.0.0/8", "::1/128"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "caller"),
    [
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # not a proxy: its header is not read
        ("10.1.2.3", [], "10.1.2.3"),  # a proxy with no header: the proxy itself
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # what the client wrote stays on the left
        ("10.1.2.3", ["6.6.6.6", "198.51.100.1, 10.9.9.9"], "198.51.100.1"),  # two headers, then a second proxy
        ("10.1.2.3", ["10.4.4.4, 10.5.5.5"], "10.4.4.4"),  # only proxies: the farthest one
        ("10.1.2.3", ["198.51.100.1, not-an-address"], "10.1.2.3"),  # a malformed hop ends the walk
        ("::1", ["2001:db8::7"], "2001:db8::7"),
        ("10.1.2.3", ["[2001:db8::7]"], "[2001:db8::7]"),
    ],
)
def test_the_caller_is_the_right_most_address_that_is_not_a_proxy(peer: str, forwarded: list[str], caller: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == caller


def test_without_configured_proxies_the_header_is_never_read() -> None:
    assert client_address("127.0.0.1", ["198.51.100.1"], TrustedProxies()) == "127.0.0.1"
    assert not TrustedProxies()
    assert client_address(None, ["198.51.100.1"], PROXIES) is None


def test_a_mistyped_network_is_refused() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        TrustedProxies(["10.0.0.0/33"])


def test_the_settings_refuse_a_mistyped_proxy_network_at_start() -> None:
    from pydantic import ValidationError

    from abri_gateway.settings import GatewaySettings
    from abri_guarantees.settings import GuaranteesSettings

    with pytest.raises(ValidationError, match="trusted_proxies"):
        GatewaySettings(trusted_proxies=["10.0.0.0/33"])
    with pytest.raises(ValidationError, match="trusted_proxies"):
        GuaranteesSettings(database_url="postgresql+asyncpg://x@y/z", trusted_proxies=["10.0.0.0/33"])
