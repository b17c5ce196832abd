"""Settings of the matching service, from ``ABRI_MATCHING_*``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from abri_kit.access_log import AccessLogSettings
from abri_kit.envelope import KeyEncryption
from abri_kit.key_rotation import Emptied, KeyringDeclaration
from abri_kit.keystore import KeyStoreSettings
from abri_kit.policies import with_overrides
from abri_kit.settings import ServiceSettings
from abri_kit.transit import TransitSettings
from abri_matching.domain.inventories import InventoryPolicy
from abri_matching.domain.invitations import InvitationPolicy
from abri_matching.domain.placements import PlacementPolicy
from abri_matching.domain.policy import MatchingPolicy
from abri_matching.domain.retention import DEPOSIT_MONTHS_AT_MOST, RetentionPolicy
from abri_matching.domain.schemes import DEFAULT_SCHEMES

KEKS_VARIABLE = "ABRI_MATCHING_KEKS"
KEYRING_NAMESPACE = "household"
"""The namespace of the sealed data's associated data: households sealed before stay readable only with it."""
INVENTORY_NAMESPACE = "inventory"
"""The key store's namespace of inventories' data keys (one key per inventory: its content and photos)."""
KEYRING = KeyringDeclaration(
    service="matching",
    namespace=KEYRING_NAMESPACE,
    variable=KEKS_VARIABLE,
    tables=(),
    keystore=(KEYRING_NAMESPACE, INVENTORY_NAMESPACE),
    erased=(Emptied(KEYRING_NAMESPACE, "households", "id", (("personal", "NULL"),)),),
)
"""Where the KEKs wrap data keys (the key store, namespace ``household``), for their rotation (``abri-ops keys
rotate matching``), and what an erasure empties, for ``abri-ops erasures reapply matching``."""

ACCESS_LOG_KEY_VARIABLE = "ABRI_MATCHING_ACCESS_LOG_KEY"
"""The access log's MAC keys (``abri_kit.access_log``): a secret, like the KEKs."""


class MatchingSettings(ServiceSettings, AccessLogSettings, KeyStoreSettings, TransitSettings):
    """The matching service's configuration, from ``ABRI_MATCHING_*`` variables (see ServiceSettings)."""

    model_config = SettingsConfigDict(env_prefix="ABRI_MATCHING_", extra="ignore", frozen=True)

    keks: SecretStr | None = Field(
        default=None,
        description=(
            "Key-encryption keys, `kid:base64(32 bytes)[,kid:...]`, the first one current. Required to serve "
            "(the service refuses to start without) unless KEK_TRANSIT_URL is set; not needed to migrate. "
            "From a secret, never from the repo."
        ),
    )

    ranking: dict[str, Any] = Field(
        default_factory=dict,
        description="Overrides of the matching policy (domain/policy.py: weights, norms, default threshold), JSON.",
    )

    ranking_cache_associations: int = Field(
        default=32,
        ge=1,
        le=10_000,
        description=(
            "How many associations' searching households each process keeps in memory as ranking columns "
            "(about 12 MB per 100,000 households; ranking_cache.py)."
        ),
    )

    ranking_changes_prune_s: float = Field(
        default=300.0, gt=0, description="How often the rows changed more than an hour ago are forgotten (ranking_changes.py)."
    )

    answer_within_days: int = Field(default=7, ge=1, le=60, description="Days an owner has to answer a proposal.")
    expiry_sweep_s: float = Field(default=60.0, gt=0, description="How often lapsed proposals are expired.")
    placement: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Overrides of the placement policy (domain/placements.py: schemes (per scheme, merged with the defaults), "
            "sliding_review_every, min_before_slide, review_parties, review_due_notice_days, resources_bands_cents, "
            "lease_recording_grace_days, lease_term_months), JSON."
        ),
    )
    review_alert_sweep_s: float = Field(
        default=3600.0, gt=0, description="How often sliding leases' reviews are checked for their due and overdue alerts (each sent once)."
    )

    invitation_valid_days: int = Field(
        default=14,
        ge=1,
        le=90,
        description="Days an invitation to link a household's own account may be accepted (domain/invitations.py).",
    )

    retention: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Overrides of the retention periods (domain/retention.py: household_years, placement_years, "
            "consent_proof_years, inventory_years), JSON; each from 1 to 10 years."
        ),
    )
    inventory: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Overrides of the inventory policy (domain/inventories.py: completion_days, deposit_months_conforming, "
            "deposit_months_otherwise, max_rooms, max_items_per_room, max_photos_per_item, max_photos, "
            "max_upload_bytes, max_pixels, long_edge_px, jpeg_quality), JSON."
        ),
    )
    pdf_font_path: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        description="A Unicode TrueType font for inventory PDFs (Debian: fonts-dejavu-core); without it, the system's sans-serif font.",
    )
    retention_sweep_s: float = Field(default=3600.0, gt=0, description="How often what outlived its retention period is erased or deleted.")

    def invitation_policy(self) -> InvitationPolicy:
        return InvitationPolicy(valid_for=timedelta(days=self.invitation_valid_days))

    def retention_policy(self) -> RetentionPolicy:
        """The sourced defaults of :class:`RetentionPolicy` with the configured overrides."""
        return with_overrides(RetentionPolicy, self.retention)

    def inventory_policy(self) -> InventoryPolicy:
        """The sourced defaults of :class:`InventoryPolicy` with the configured overrides."""
        policy = with_overrides(InventoryPolicy, self.inventory)
        if min(policy.completion_days, policy.deposit_months_conforming, policy.deposit_months_otherwise, policy.max_rooms) < 1:
            raise ValueError("the inventory policy's days, months, years and bounds are 1 or more")
        if policy.deposit_months_otherwise > DEPOSIT_MONTHS_AT_MOST or policy.deposit_months_conforming > policy.deposit_months_otherwise:
            raise ValueError(
                f"the deposit is returned within {DEPOSIT_MONTHS_AT_MOST} months at the latest (loi 89-462, art. 22), which the "
                "inventories' retention counts from: deposit_months_conforming <= deposit_months_otherwise <= 2"
            )
        if not 1 <= policy.jpeg_quality <= 95 or policy.long_edge_px < 200:
            raise ValueError("jpeg_quality is from 1 to 95 and long_edge_px 200 or more")
        return policy

    def placement_policy(self) -> PlacementPolicy:
        """The sourced defaults of :class:`PlacementPolicy` with the configured overrides (a scheme's rules
        overridden one scheme at a time: the others keep their defaults)."""
        overrides = {**self.placement, "answer_within": timedelta(days=self.answer_within_days)}
        if "schemes" in overrides:
            defaults = {name: asdict(rules) for name, rules in DEFAULT_SCHEMES.items()}
            overrides["schemes"] = {**defaults, **overrides["schemes"]}
        policy = with_overrides(PlacementPolicy, overrides)
        if list(policy.resources_bands_cents) != sorted(set(policy.resources_bands_cents)) or not policy.resources_bands_cents:
            raise ValueError("the resources bands' ceilings are distinct whole cents in increasing order")
        if policy.lease_recording_grace_days < 0:
            raise ValueError("lease_recording_grace_days is a number of days, 0 or more")
        if set(policy.lease_term_months) != {"furnished", "unfurnished"} or min(policy.lease_term_months.values()) < 1:
            raise ValueError("lease_term_months gives a term of 1 month or more for furnished and for unfurnished homes")
        return policy

    def policy(self) -> MatchingPolicy:
        """The sourced defaults of :class:`MatchingPolicy` with the configured overrides."""
        policy = with_overrides(MatchingPolicy, self.ranking)
        required = {"priority", "waiting_time", "size_fit", "distance"}
        if not required <= set(policy.weights) <= {*required, "energy_cost"}:
            raise ValueError(
                "the ranking weights are priority, waiting_time, size_fit and distance, each given, and energy_cost "
                "(0 when left out: the weights of an earlier configuration still hold)"
            )
        if min(policy.weights.values()) < 0 or policy.energy_reference_cents <= 0 or not 0 <= policy.energy_unknown_component <= 1:
            raise ValueError("the ranking weights are 0 or more, energy_reference_cents above 0, energy_unknown_component from 0 to 1")
        return policy

    def keyring(self) -> KeyEncryption:
        """What wraps households' data keys (the KEKs, or the transit engine); :class:`~abri_kit.envelope.KeyringError`
        if neither is configured, or if malformed."""
        return self.key_encryption(
            service="matching", namespace=KEYRING_NAMESPACE, keks=self.keks, needed_for="needs its key-encryption key to start"
        )
