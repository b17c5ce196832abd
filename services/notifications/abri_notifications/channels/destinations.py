"""Where a webhook goes, resolved and judged (the rule: ``domain/destinations.py``), and the request that
reaches the very address judged.

:class:`Destinations` is held in the app's state (``main.py``) for the registration route and the sender
alike, with its resolver: the system's (``getaddrinfo`` in the event loop's executor, bounded in time) or a
test's (which plays DNS rebinding: a public address at registration, ``127.0.0.1`` at delivery; no DNS
server runs in the tests).

At delivery the HTTP client never resolves the name again: the request goes to the address judged (the
URL's host replaced by it), with the original ``Host`` header and, over TLS, the name as SNI
(``extensions={"sni_hostname": ...}``, httpcore's), so that the certificate is still verified against the
name the organisation registered. The webhook client keeps no connection alive between requests, so that a
connection opened for one name is never reused for another name on the same address.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from ipaddress import ip_address

import httpx

from abri_notifications.domain.destinations import Address, DestinationRefused, Target, check_address, parse, refused_unresolvable
from abri_notifications.domain.policy import WebhookDestinationPolicy

__all__ = ["Destination", "DestinationRefused", "Destinations", "Resolver", "system_resolver"]

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port) -> addresses``: raises ``OSError`` (``socket.gaierror``) when the name does not resolve."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The system's resolver (``getaddrinfo``, run in the loop's executor: it blocks), TCP addresses only."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Destination:
    """A judged destination: the URL's reading and the addresses it stands for (every one allowed)."""

    url: str
    target: Target
    addresses: tuple[Address, ...]

    @property
    def address(self) -> Address:
        """The address the webhook goes to (the resolver's first: its preferred order, RFC 6724)."""
        return self.addresses[0]

    def request_url(self) -> httpx.URL:
        """The URL with the judged address as host: the client connects there and resolves nothing."""
        url = httpx.URL(self.url).copy_with(host=str(self.address), port=self.target.port)
        if url.userinfo:  # pragma: no cover (parse refuses any "@" in the authority)
            raise DestinationRefused("destination_credentials")
        return url

    def headers(self) -> dict[str, str]:
        return {"Host": self.target.host_header}

    def extensions(self) -> dict[str, str]:
        """TLS to a name checks the certificate against the name, not the address."""
        if self.target.scheme == "https" and self.target.address is None:
            return {"sni_hostname": self.target.host}
        return {}


class Destinations:
    """The destination rule with its resolver: what registration and each delivery call."""

    def __init__(self, policy: WebhookDestinationPolicy, resolver: Resolver = system_resolver) -> None:
        self.policy, self.resolver = policy, resolver

    async def check(self, url: str) -> Destination:
        """``url`` judged now (resolved now): raises :class:`DestinationRefused`."""
        target = parse(url, self.policy)
        if target.address is not None:
            return self._sendable(Destination(url, target, (target.address,)))
        addresses = await self._resolve(target)
        for address in addresses:
            check_address(address, self.policy, target.scheme)
        return self._sendable(Destination(url, target, addresses))

    @staticmethod
    def _sendable(destination: Destination) -> Destination:
        """The HTTP client must read the URL too (its IDNA is stricter than the standard library's)."""
        try:
            destination.request_url()
        except httpx.InvalidURL:
            raise DestinationRefused("destination_url") from None
        return destination

    async def _resolve(self, target: Target) -> tuple[Address, ...]:
        try:
            async with asyncio.timeout(self.policy.resolve_timeout_s):
                answers = await self.resolver(target.host, target.port)
        except TimeoutError:
            raise refused_unresolvable(target.host, "no answer in time") from None
        except (OSError, UnicodeError) as exc:
            raise refused_unresolvable(target.host, f"no address ({type(exc).__name__})") from None
        addresses: list[Address] = []
        for answer in answers:
            try:
                address = ip_address(answer)
            except ValueError:
                raise refused_unresolvable(target.host, "an answer that is not an address") from None
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise refused_unresolvable(target.host, "no address")
        return tuple(addresses)
