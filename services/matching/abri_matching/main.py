"""The matching service's ASGI app: ``uvicorn --factory abri_matching.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

import abri_matching
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.clock import Clock, system_clock
from abri_matching.access_log_upkeep import access_log_sweeper
from abri_matching.api import routers
from abri_matching.api.strong_authentication import strong_authentication
from abri_matching.events import handlers
from abri_matching.expiry import expiry_sweeper
from abri_matching.ranking_changes import ranking_changes_pruner
from abri_matching.retention import retention_sweeper
from abri_matching.review_alerts import review_alert_sweeper
from abri_matching.settings import ACCESS_LOG_KEY_VARIABLE, INVENTORY_NAMESPACE, MatchingSettings
from abri_matching.usecases.ranking_cache import RankingCache


def create_app(settings: MatchingSettings | None = None, clock: Clock = system_clock) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests; ``clock``: a test's own time). Without its key-encryption
    keys (``ABRI_MATCHING_KEKS``) or its access log's MAC key (``ABRI_MATCHING_ACCESS_LOG_KEY``) the service refuses to start."""
    settings = settings or MatchingSettings()
    keyring = settings.keyring()
    settings.configure_keystore([keyring.namespace, INVENTORY_NAMESPACE], "ABRI_MATCHING_")  # refuses to start without the key store
    settings.access_log_keys(ACCESS_LOG_KEY_VARIABLE)  # refuses to start without the access log's MAC key
    policy = settings.policy()
    retention = settings.retention_policy()
    journey = settings.placement_policy()
    app = create_service_app(
        ServiceSpec(
            name="matching",
            settings=settings,
            description=(abri_matching.__doc__ or "").strip(),
            routers=routers,
            handlers=handlers(clock),
            resources=[
                expiry_sweeper(settings.expiry_sweep_s),
                access_log_sweeper(settings.access_log_anchor_s, settings.access_log_retention_days),
                retention_sweeper(settings.retention_sweep_s, retention),
                review_alert_sweeper(settings.review_alert_sweep_s, journey),
                ranking_changes_pruner(settings.ranking_changes_prune_s),
            ],
            clock=clock,
            readiness=keyring.readiness(),  # the transit engine, when it holds the KEK
            strong_authentication=strong_authentication,
        )
    )
    app.state.keyring = keyring
    app.state.policy = policy
    app.state.ranking_cache = RankingCache(settings.ranking_cache_associations)
    app.state.placement_policy = journey
    app.state.retention_policy = retention
    app.state.invitation_policy = settings.invitation_policy()
    app.state.inventory_policy = settings.inventory_policy()
    app.state.matching_settings = settings
    return app
