"""The rule of where a webhook may go: pure (no I/O); the names are resolved in ``channels/destinations.py``.

A destination is judged twice, with the same rule: when an organisation registers the endpoint, and at each
delivery, just before connecting, on the addresses its name resolves to then (a name that resolved to a
public address at registration may resolve to ``127.0.0.1`` an hour later: DNS rebinding). The webhook is
then sent to the very address judged, never to a name resolved again by the HTTP client.

1. :func:`parse` reads the URL: ``https`` (``http`` only with the development setting), no credentials, an
   allowed port, a host that is an IP literal or a DNS name. An IPv4 address written as one number
   (``2130706433``), in octal or in hex (``0x7f.1``) is an IP literal, read the way resolvers read it
   (the WHATWG URL standard's IPv4 parser, which ``inet_aton`` follows); a Unicode name is taken in its
   IDNA form (full-width digits and dots are ASCII ones). Names that are internal (single label,
   :data:`~abri_notifications.domain.policy.INTERNAL_SUFFIXES`) are refused here, before any resolution.
2. :func:`check_address` judges one address: refused when it lies in a refused block, or Python's
   ``ipaddress`` does not call it global, or it is multicast, reserved, unspecified or link-local. An IPv6
   address that carries an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4
   ``2002::/16``) is judged by the IPv4 address it carries.
3. Every address a name resolves to must pass (one private answer among public ones refuses the name).

Each refusal is a :class:`DestinationRefused` with a stable rule id (``destination_scheme``,
``destination_credentials``, ``destination_port``, ``destination_internal_name``, ``destination_private``,
``destination_unresolvable``, ``destination_url``) and what a coded 422 shows. An address a name resolved
to is named to ops (the delivery's error), never in the answer to the organisation: the answer would tell
anyone what the cluster's resolver knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any
from urllib.parse import urlsplit

from abri_kit.legal import Param, coded_error
from abri_notifications.domain.policy import LOOPBACK_NAMES, WebhookDestinationPolicy
from abri_notifications.domain.sources import source_of

__all__ = [
    "DestinationRefused",
    "Target",
    "check_address",
    "embedded_ipv4",
    "parse",
    "refused_unresolvable",
]

Address = IPv4Address | IPv6Address
NAT64 = IPv6Network("64:ff9b::/96")
SIX_TO_FOUR = IPv6Network("2002::/16")
LOOPBACK = (IPv4Network("127.0.0.0/8"), IPv6Network("::1/128"))
LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
NUMERIC = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
DEFAULT_PORTS = {"https": 443, "http": 80}
MESSAGES = {
    "destination_url": "the webhook URL is not a URL with a host",
    "destination_scheme": "webhooks go to https:// endpoints",
    "destination_credentials": "a webhook URL carries no user name nor password (the signature authenticates)",
    "destination_port": "webhooks go to an allowed port only",
    "destination_internal_name": "the webhook host is a name that only means something inside a network",
    "destination_private": "the webhook host is not a public Internet address (loopback, private, link-local, metadata, reserved...)",
    "destination_unresolvable": "the webhook host's name does not resolve to any address",
}


class DestinationRefused(Exception):
    """A destination the rule refuses: ``rule`` (stable id), ``params`` (shown to the organisation) and
    ``detail`` (for ops: may name the address a name resolved to)."""

    def __init__(self, rule: str, params: dict[str, Param] | None = None, detail: str | None = None) -> None:
        self.rule = rule
        self.params = dict(params or {})
        self.message = MESSAGES[rule]
        self.detail = detail or self.message
        super().__init__(f"{rule}: {self.detail}")

    def coded(self) -> dict[str, Any]:
        """The entry of a 422's ``errors`` (``abri_kit.legal.coded_error``)."""
        return coded_error(self.rule, self.message, source=source_of(self.rule), params=self.params, fields=["url"])


@dataclass(frozen=True)
class Target:
    """A webhook URL read by :func:`parse`: ``host`` is the name (ASCII, lower case, no final dot) or the
    literal address as written by the URL standard; ``address`` is set for an IP literal."""

    scheme: str
    host: str
    port: int
    address: Address | None

    @property
    def host_header(self) -> str:
        """The ``Host`` header the far end expects (the port only when not the scheme's default)."""
        host = f"[{self.host}]" if isinstance(self.address, IPv6Address) else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def parse(url: str, policy: WebhookDestinationPolicy) -> Target:
    """Read ``url`` and judge what can be judged without resolving (see the module docstring); an IP
    literal is judged here too."""
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in url):
        raise DestinationRefused("destination_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DestinationRefused("destination_url") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise DestinationRefused("destination_scheme", {"scheme": scheme})
    if scheme == "http" and not policy.allow_local_http:
        raise DestinationRefused("destination_scheme", {"scheme": scheme})
    if "@" in parts.netloc:
        raise DestinationRefused("destination_credentials")
    if not parts.hostname:
        raise DestinationRefused("destination_url")
    port = DEFAULT_PORTS[scheme] if port is None else port
    host, address = _host(parts.hostname, bracketed=parts.netloc.startswith("["))
    if port not in policy.ports:
        raise DestinationRefused("destination_port", {"port": port, "allowed": ", ".join(map(str, policy.ports))})
    if address is None:
        _check_name(host, policy)
    else:
        check_address(address, policy, scheme, shown=True)
    return Target(scheme=scheme, host=host, port=port, address=address)


def check_address(address: Address, policy: WebhookDestinationPolicy, scheme: str = "https", *, shown: bool = False) -> None:
    """Refuse (``destination_private``) an address a webhook must never reach; with the development setting,
    the loopback passes (and plain http goes nowhere else: ``destination_scheme``). ``shown``: the address
    may be named to the organisation (they wrote it)."""
    carried = embedded_ipv4(address)
    judged = address if carried is None else carried
    if policy.allow_local_http and any(judged in loopback for loopback in LOOPBACK if judged.version == loopback.version):
        return
    kind = _refused_kind(judged, policy)
    if kind is not None:
        params: dict[str, Param] = {"kind": kind}
        if shown:
            params["address"] = str(address)
        named = str(address) if carried is None else f"{address} (carrying {carried})"
        raise DestinationRefused("destination_private", params, detail=f"{named} is {kind.replace('_', ' ')}")
    if scheme != "https":
        raise DestinationRefused("destination_scheme", {"scheme": scheme}, detail=f"plain http to {address}, not the loopback")


def embedded_ipv4(address: Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one carries (IPv4-mapped, NAT64 well-known prefix, 6to4), else ``None``."""
    if not isinstance(address, IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if address in SIX_TO_FOUR:
        return address.sixtofour
    return None


def refused_unresolvable(host: str, why: str) -> DestinationRefused:
    """A name that gave no address (no such name, no answer in time)."""
    return DestinationRefused("destination_unresolvable", {"host": host}, detail=f"{host}: {why}")


def _refused_kind(address: Address, policy: WebhookDestinationPolicy) -> str | None:
    for block in policy.blocks():
        network = block.network
        if network.version == address.version and address in network:
            return block.kind
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_reserved:
        return "reserved"
    if address.is_private or not address.is_global:
        return "private"
    return None


def _host(raw: str, *, bracketed: bool) -> tuple[str, Address | None]:
    """The host as judged: an IPv6 literal, an IPv4 literal in any of the forms resolvers accept, or a DNS
    name in its ASCII form."""
    if bracketed:
        try:
            literal = IPv6Address(raw.replace("%25", "%"))
        except ValueError:
            raise DestinationRefused("destination_url") from None
        return str(literal), literal
    try:
        name = raw.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise DestinationRefused("destination_url") from None
    name = name.removesuffix(".")
    labels = name.split(".")
    if NUMERIC.fullmatch(labels[-1]):  # a name never ends in a number: an IPv4 address (WHATWG URL, "ends in a number")
        v4 = _ipv4(labels)
        return str(v4), v4
    if not name or len(name) > 253 or not all(LABEL.fullmatch(label) for label in labels):
        raise DestinationRefused("destination_url")
    return name, None


def _ipv4(labels: list[str]) -> IPv4Address:
    """The WHATWG URL standard's IPv4 parser (as ``inet_aton``): 1 to 4 parts, each decimal, octal (leading
    0) or hex (0x); the last fills the bytes the others leave."""
    if len(labels) > 4:
        raise DestinationRefused("destination_url")
    numbers: list[int] = []
    for label in labels:
        try:
            if label.startswith("0x"):
                numbers.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                numbers.append(int(label[1:], 8))
            else:
                numbers.append(int(label, 10))
        except ValueError:
            raise DestinationRefused("destination_url") from None
    *head, last = numbers
    if any(number > 255 for number in head) or last >= 256 ** (5 - len(numbers)):
        raise DestinationRefused("destination_url")
    value = last
    for index, number in enumerate(head):
        value += number * 256 ** (3 - index)
    return IPv4Address(value)


def _check_name(host: str, policy: WebhookDestinationPolicy) -> None:
    loopback_name = any(host == name or host.endswith("." + name) for name in LOOPBACK_NAMES)
    if policy.allow_local_http and loopback_name:
        return  # it must then resolve to the loopback (check_address)
    if "." not in host:
        raise DestinationRefused("destination_internal_name", {"host": host})
    for suffix in policy.internal_suffixes:
        if host == suffix or host.endswith("." + suffix):
            raise DestinationRefused("destination_internal_name", {"host": host})
