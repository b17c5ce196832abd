"""Settings of the guarantees service, from ``ABRI_GUARANTEES_*``."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from abri_guarantees.visa_signing import TransitVisaSigner, VisaKeyError, VisaSigner, VisaSigning
from abri_kit.access_log import AccessLogSettings
from abri_kit.client_address import ProxyNetworks
from abri_kit.envelope import KeyEncryption, KeyringError
from abri_kit.key_rotation import Emptied, KeyringDeclaration
from abri_kit.keystore import KeyStoreSettings
from abri_kit.settings import ServiceSettings
from abri_kit.transit import TransitSettings, TransitSigner

NAMESPACE = "guarantee-file"
"""The word that binds every sealed value and wrapped key to a guarantee file (``abri_kit.envelope``)."""
KEYRING = KeyringDeclaration(
    service="guarantees",
    namespace=NAMESPACE,
    variable="ABRI_GUARANTEES_KEKS",
    tables=(),
    keystore=(NAMESPACE,),
    erased=(
        Emptied(NAMESPACE, "guarantee_files", "id", (("personal", "NULL"),)),
        Emptied(NAMESPACE, "file_steps", "file_id", (("message", "NULL"),)),
        Emptied(NAMESPACE, "documents", "file_id", delete=True),
    ),
)
"""Where the KEKs wrap data keys (the key store, namespace ``guarantee-file``), for their rotation (``abri-ops
keys rotate guarantees``), and what an erasure empties (``db/repositories/erasure.py``), for ``abri-ops erasures
reapply guarantees`` after a restore."""

ACCESS_LOG_KEY_VARIABLE = "ABRI_GUARANTEES_ACCESS_LOG_KEY"
"""The access log's MAC keys (``abri_kit.access_log``): a secret, like the KEKs."""


class GuaranteesSettings(ServiceSettings, AccessLogSettings, KeyStoreSettings, TransitSettings):
    """The guarantees service's configuration, from ``ABRI_GUARANTEES_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_GUARANTEES_", extra="ignore", frozen=True)

    keks: SecretStr | None = Field(
        default=None,
        description=(
            "Key-encryption keys, `kid:base64(32 bytes)[,kid:...]`, the first one current: they wrap each "
            "guarantee file's data key. Required to serve; from a secret, never from the repo."
        ),
    )
    review_sla_hours: int = Field(
        default=48, ge=1, le=24 * 60, description="Hours a fund has to answer a file in its queue (domain/workflow.py)."
    )

    visa_signing_key: SecretStr | None = Field(
        default=None,
        description="The Ed25519 private key (PEM) that signs visa tokens. Required to serve; from a secret, never from the repo.",
    )
    visa_font_path: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        description="A Unicode TrueType font for visa PDFs (Debian: fonts-dejavu-core); without it, the system's sans-serif font.",
    )
    visa_check_page: str = Field(
        default="http://127.0.0.1:8000/visa-check",
        description=(
            "The web front's public visa check page (the gateway's public address + /visa-check), printed on visa PDFs "
            "as a link and a QR code for owners to check a visa without an account; never an API address."
        ),
    )

    @field_validator("visa_check_page")
    @classmethod
    def _a_web_page(cls, value: str) -> str:
        """An http(s) page without a query or fragment: the number is added as the query, and any other
        scheme (``javascript:``, ``file:``) would be printed as the visa's link and QR code."""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("the visa check page must be an http(s) address without a query or fragment")
        return value

    trusted_proxies: ProxyNetworks = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description=(
            "Networks of the gateway (JSON list of CIDRs): only a peer in them is believed about the caller's "
            "address (X-Forwarded-For), which the public visa checks are limited by. Set the pods' network in Kubernetes."
        ),
    )

    visa_signing_transit_key: str | None = Field(
        default=None,
        description=(
            "An ed25519 key of the transit engine (ABRI_GUARANTEES_KEK_TRANSIT_URL, _TOKEN...) that signs visas instead "
            "of ABRI_GUARANTEES_VISA_SIGNING_KEY: the private key never in the process; every version still usable is published."
        ),
    )
    visa_previous_keys: list[dict[str, str]] = Field(
        default_factory=list,
        description="Public keys (JWKs) of earlier visa signing keys, still published so that visas they signed verify.",
    )
    visa_checks_rate: str = Field(default="20/minute", description="Public visa checks per client address and process (`limits` syntax).")

    retention_years: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Years after the last contact that a file's personal data stay (CNIL, référentiel gestion locative; retention.py).",
    )
    retention_sweep_s: float = Field(default=3600.0, gt=0, description="How often lapsed files are looked for and erased.")

    def visa_signer(self) -> VisaSigning:
        """The local key, or the transit engine's when ``visa_signing_transit_key`` is set (then the engine of
        ``ABRI_GUARANTEES_KEK_TRANSIT_URL`` signs, and a local key is refused beside it: one signer at a time)."""
        if self.visa_signing_transit_key:
            if self.visa_signing_key is not None:
                raise VisaKeyError(
                    "ABRI_GUARANTEES_VISA_SIGNING_KEY and ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY are both set: keep one "
                    "(the earlier local key's public half goes in ABRI_GUARANTEES_VISA_PREVIOUS_KEYS)"
                )
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", self.visa_signing_transit_key):
                raise VisaKeyError("ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY must be a transit key's name (letters, digits, - _ .)")
            try:
                config = self.transit_config(self.visa_signing_transit_key)
            except KeyringError as exc:  # the engine's settings are the KEKs' (ABRI_GUARANTEES_KEK_TRANSIT_*)
                raise VisaKeyError(f"ABRI_GUARANTEES_VISA_SIGNING_TRANSIT_KEY is set but {exc}") from exc
            return TransitVisaSigner(TransitSigner(config), previous=self.visa_previous_keys)
        if self.visa_signing_key is None:
            raise VisaKeyError("ABRI_GUARANTEES_VISA_SIGNING_KEY is not set: the guarantees service signs visas with it")
        return VisaSigner(self.visa_signing_key.get_secret_value(), previous=self.visa_previous_keys)

    def keyring(self) -> KeyEncryption:
        """What wraps the files' data keys (the KEKs, or the transit engine); :class:`~abri_kit.envelope.KeyringError`
        if neither is configured, or if malformed."""
        return self.key_encryption(
            service="guarantees", namespace=NAMESPACE, keks=self.keks, needed_for="needs its key-encryption key to start"
        )
