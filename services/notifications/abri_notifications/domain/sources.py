"""The text each notifications refusal applies, and where to read it: data, cited by every refusal.

No law sets where a webhook may go: the destination rules are Abri's security policy, each following the
OWASP cheat sheet on server-side request forgery, and the address blocks the IANA registries
(``policy.py``). A rule absent from here is one of Abri's coherence checks (no text to cite).
"""

from __future__ import annotations

from abri_kit.legal import NO_SOURCE, LegalSource, Note
from abri_notifications.domain.policy import IANA_IPV4_SPECIAL, IANA_SPECIAL_DOMAINS, OWASP_SSRF

ABRI_CHOICE = Note("abri_security_choice", "Abri's choice, no law")
SSRF = LegalSource("OWASP Server-Side Request Forgery Prevention Cheat Sheet", OWASP_SSRF, ABRI_CHOICE)
"""A citation in English, the cheat sheet's own name (webhook refusals reach the API only, never a page)."""

SOURCES: dict[str, LegalSource] = {
    "destination_scheme": SSRF,
    "destination_credentials": SSRF,
    "destination_port": SSRF,
    "destination_internal_name": LegalSource(
        "IANA Special-Use Domain Names (RFC 6761, RFC 6762, RFC 8375); Kubernetes service names", IANA_SPECIAL_DOMAINS
    ),
    "destination_private": LegalSource("IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890)", IANA_IPV4_SPECIAL),
}


def source_of(rule: str) -> LegalSource:
    """The text ``rule`` applies (no source: an Abri coherence check)."""
    return SOURCES.get(rule, NO_SOURCE)
