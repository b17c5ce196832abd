"""Who is at the other end of a request, when proxies stand in between.

A proxy (a load balancer, the Ingress controller, the gateway) adds the address it received a request
from to ``X-Forwarded-For``; a client can write anything in that header before it reaches the first proxy.
So the header is read only from the right, only while the hop that wrote it is a configured proxy: the
caller's address is the right-most address that is not one of our proxies. A peer that is not a
configured proxy is the caller itself, whatever header it sends. With no proxy configured (the default),
the header is never read.

:class:`ClientAddressMiddleware` applies this once, at the edge of an app, to the ASGI ``client`` every
later layer reads (rate limits, access logs, the public routes' limits). Servers run with uvicorn's own
proxy-header handling off (``abri_kit.serve``), which would otherwise trust any loopback peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Annotated

from pydantic import AfterValidator
from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """Networks whose peers are believed about the hop before them (CIDRs, e.g. ``10.0.0.0/8``)."""

    def __init__(self, networks: Iterable[str] = ()) -> None:
        self.networks: tuple[Network, ...] = tuple(ipaddress.ip_network(network.strip(), strict=False) for network in networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: str) -> bool:
        """True when ``address`` is one of the configured proxies (an unparsable address never is)."""
        try:
            parsed = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(parsed in network for network in self.networks)


def _networks(networks: list[str]) -> list[str]:
    TrustedProxies(networks)  # a mistyped network is refused at start, not ignored at the first request
    return networks


ProxyNetworks = Annotated[list[str], AfterValidator(_networks)]
"""A setting that lists proxy networks (CIDRs), checked when the settings are read."""


def client_address(peer: str | None, forwarded_for: Sequence[str], proxies: TrustedProxies) -> str | None:
    """The caller's address: ``peer`` unless it is a configured proxy; then, walking ``X-Forwarded-For``
    (every value of the header, in order) from the right, the first hop that is not a proxy. A chain made
    only of proxies gives its left-most hop; a malformed hop ends the walk at the last hop believed."""
    if peer is None or not proxies.trusts(peer):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    believed = peer
    for hop in reversed(hops):
        if not _is_address(hop):
            return believed
        believed = hop
        if not proxies.trusts(hop):
            return hop
    return believed


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


class ClientAddressMiddleware:
    """Puts the caller's real address in the ASGI scope's ``client`` (see :func:`client_address`)."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies:
            client = scope.get("client")
            if client:
                forwarded = [value.decode("latin-1") for name, value in scope["headers"] if name.lower() == b"x-forwarded-for"]
                address = client_address(client[0], forwarded, self.proxies)
                if address != client[0]:
                    scope = {**scope, "client": (address, 0)}
        await self.app(scope, receive, send)
