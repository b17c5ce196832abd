"""Where webhooks may go: data, with their sources, never code (the rule that reads it: ``destinations.py``).

A webhook endpoint is an address an organisation types; the service then posts to it from inside the
cluster. Left open, that is a server-side request forgery (OWASP Top 10 2021, A10): the database's port,
the cluster's API, a cloud's metadata service that hands out credentials. So a destination is refused
when any address it stands for is not a public Internet address:

- the special-purpose blocks of the IANA registries (RFC 6890 and the RFCs each block cites: loopback,
  private use, shared address space (CGNAT), link-local, documentation, benchmarking, multicast, reserved,
  "this network"), and the cloud metadata addresses by name, so that a refusal says what was aimed at;
- names that only mean something inside: a single label (``kubernetes``, ``metadata``), and the special-use
  or private suffixes of :data:`INTERNAL_SUFFIXES` (RFC 6761, RFC 6762, RFC 8375, ICANN's ``.internal``,
  Kubernetes' ``svc`` and ``cluster.local``), refused before any resolution;
- a port other than :attr:`WebhookDestinationPolicy.ports` (443 by default, a deployment may add one).

Abri's own choices (the OWASP cheat sheet recommends each, no law sets them): the https scheme only
(plain http only behind a development setting, to the loopback), no credentials in the URL, port 443.
A deployment refuses more ranges with ``ABRI_NOTIFICATIONS_WEBHOOKS_REFUSED_NETWORKS`` (a cluster on
public addresses, its nodes' own addresses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network

IANA_IPV4_SPECIAL = "https://www.iana.org/assignments/iana-ipv4-special-registry/"
IANA_IPV6_SPECIAL = "https://www.iana.org/assignments/iana-ipv6-special-registry/"
IANA_SPECIAL_DOMAINS = "https://www.iana.org/assignments/special-use-domain-names/"
OWASP_SSRF = "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html"


@dataclass(frozen=True)
class Block:
    """A range of addresses a webhook never goes to: ``kind`` is what a refusal names (``loopback``,
    ``private``, ``metadata``...), ``source`` the registry entry or the provider's page."""

    cidr: str
    kind: str
    source: str

    @property
    def network(self) -> IPv4Network | IPv6Network:
        return ip_network(self.cidr)


REFUSED_BLOCKS: tuple[Block, ...] = (
    # Cloud metadata services first, so that the refusal names them (each also lies in a wider block below).
    Block("169.254.169.254/32", "metadata", "AWS, Azure, GCP, OCI instance metadata"),
    Block("100.100.100.200/32", "metadata", "Alibaba Cloud instance metadata"),
    Block("192.0.0.192/32", "metadata", "Oracle Cloud instance metadata (legacy)"),
    Block("fd00:ec2::254/128", "metadata", "AWS instance metadata over IPv6"),
    # IANA IPv4 Special-Purpose Address Registry.
    Block("0.0.0.0/8", "this_network", "RFC 1122, 3.2.1.3"),
    Block("10.0.0.0/8", "private", "RFC 1918"),
    Block("100.64.0.0/10", "shared", "RFC 6598 (carrier-grade NAT)"),
    Block("127.0.0.0/8", "loopback", "RFC 1122, 3.2.1.3"),
    Block("169.254.0.0/16", "link_local", "RFC 3927"),
    Block("172.16.0.0/12", "private", "RFC 1918"),
    Block("192.0.0.0/24", "protocol_assignments", "RFC 6890, 2.1"),
    Block("192.0.2.0/24", "documentation", "RFC 5737"),
    Block("192.88.99.0/24", "reserved", "RFC 7526 (6to4 relay anycast, deprecated)"),
    Block("192.168.0.0/16", "private", "RFC 1918"),
    Block("198.18.0.0/15", "benchmarking", "RFC 2544"),
    Block("198.51.100.0/24", "documentation", "RFC 5737"),
    Block("203.0.113.0/24", "documentation", "RFC 5737"),
    Block("224.0.0.0/4", "multicast", "RFC 5771"),
    Block("240.0.0.0/4", "reserved", "RFC 1112, 4 (and 255.255.255.255, RFC 919)"),
    # IANA IPv6 Special-Purpose Address Registry (IPv4-mapped, NAT64 and 6to4 addresses are judged by the
    # IPv4 address they carry: destinations.embedded_ipv4).
    Block("::/128", "unspecified", "RFC 4291"),
    Block("::1/128", "loopback", "RFC 4291"),
    Block("::/96", "reserved", "RFC 4291 (IPv4-compatible, deprecated)"),
    Block("64:ff9b:1::/48", "private", "RFC 8215 (local-use NAT64)"),
    Block("100::/64", "reserved", "RFC 6666 (discard-only)"),
    Block("2001::/23", "protocol_assignments", "RFC 2928 (Teredo, ORCHID, benchmarking...)"),
    Block("2001:db8::/32", "documentation", "RFC 3849"),
    Block("3fff::/20", "documentation", "RFC 9637"),
    Block("5f00::/16", "reserved", "RFC 9602 (SRv6 SIDs)"),
    Block("fc00::/7", "private", "RFC 4193 (unique local)"),
    Block("fe80::/10", "link_local", "RFC 4291"),
    Block("fec0::/10", "private", "RFC 3879 (site-local, deprecated)"),
    Block("ff00::/8", "multicast", "RFC 4291"),
)
"""Every block a webhook never reaches. An address outside them is still refused when Python's
``ipaddress`` does not call it global (a block a later registry adds)."""

INTERNAL_SUFFIXES: tuple[str, ...] = (
    "localhost",  # RFC 6761, 6.3
    "local",  # RFC 6762 (mDNS); covers Kubernetes' cluster.local
    "internal",  # ICANN, private use (2024); covers GCP's metadata.google.internal, AWS' *.ec2.internal
    "svc",  # Kubernetes: <service>.<namespace>.svc
    "cluster.local",  # Kubernetes' default cluster domain
    "home.arpa",  # RFC 8375
    "arpa",  # infrastructure (reverse zones)
    "test",  # RFC 6761, 6.2
    "invalid",  # RFC 6761, 6.4
    "example",  # RFC 6761, 6.5
    "onion",  # RFC 7686
    "alt",  # RFC 9476
    "lan",  # undelegated, common on private networks
    "home",  # ICANN name collision, never delegated
    "corp",  # ICANN name collision, never delegated
    "intranet",
    "private",
)
"""Names that never mean a public host: refused, with any name below them, before resolution."""

LOOPBACK_NAMES: tuple[str, ...] = ("localhost",)
"""The names the development setting lets through (they must then resolve to the loopback)."""


@dataclass(frozen=True)
class WebhookDestinationPolicy:
    """Where webhooks may go (see the module docstring).

    ``allow_local_http`` is for tests and ``make run`` only, never for production: it lets plain http and
    the loopback (``127.0.0.0/8``, ``::1``, ``localhost``) through, nothing else (the ports and every
    other block still apply)."""

    ports: tuple[int, ...] = (443,)
    allow_local_http: bool = False
    refused_blocks: tuple[Block, ...] = REFUSED_BLOCKS
    internal_suffixes: tuple[str, ...] = INTERNAL_SUFFIXES
    resolve_timeout_s: float = 5.0
    """How long a name may take to resolve (a resolver that never answers is a failure, not a hang)."""
    extra_blocks: tuple[Block, ...] = field(default=())
    """A deployment's own ranges (``ABRI_NOTIFICATIONS_WEBHOOKS_REFUSED_NETWORKS``)."""

    def __post_init__(self) -> None:
        if not self.ports or any(not 1 <= port <= 65535 for port in self.ports):
            raise ValueError("webhook ports are from 1 to 65535, at least one")
        for block in (*self.refused_blocks, *self.extra_blocks):
            block.network  # noqa: B018 (a malformed range fails at start, not at the first webhook)

    def blocks(self) -> tuple[Block, ...]:
        return (*self.refused_blocks, *self.extra_blocks)
