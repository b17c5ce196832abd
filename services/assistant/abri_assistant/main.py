"""The assistant service's ASGI app: ``uvicorn --factory abri_assistant.main:create_app``."""

from __future__ import annotations

from fastapi import FastAPI

import abri_assistant
from abri_assistant.api import routers
from abri_assistant.api.strong_authentication import strong_authentication
from abri_assistant.events import handlers
from abri_assistant.knowledge_files import file_wording, knowledge_base, reply_wording
from abri_assistant.knowledge_loading import KnowledgeLoading
from abri_assistant.lexicons import lexicons
from abri_assistant.settings import ACCESS_LOG_KEY_VARIABLE, CONVERSATION_NAMESPACE, AssistantSettings
from abri_assistant.sweepers import access_log_sweeper, retention_sweeper
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.clock import Clock, system_clock


def create_app(settings: AssistantSettings | None = None, clock: Clock = system_clock) -> FastAPI:
    """Build the app from the environment (or from ``settings``, in tests; ``clock``: a test's own time). Without
    its key-encryption keys (``ABRI_ASSISTANT_KEKS``), its key store, or its access log's MAC key
    (``ABRI_ASSISTANT_ACCESS_LOG_KEY``) the service refuses to start; so it does with a malformed knowledge
    entry, lexicon or wording (each names itself)."""
    settings = settings or AssistantSettings()
    keyring = settings.keyring()
    settings.configure_keystore([CONVERSATION_NAMESPACE], "ABRI_ASSISTANT_")
    settings.access_log_keys(ACCESS_LOG_KEY_VARIABLE)
    knowledge_base(), lexicons(), file_wording(), reply_wording()  # checked now, not at the first question
    loading = KnowledgeLoading()
    app = create_service_app(
        ServiceSpec(
            name="assistant",
            settings=settings,
            description=(abri_assistant.__doc__ or "").strip(),
            routers=routers,
            handlers=handlers(),
            resources=[
                loading.loader(),
                retention_sweeper(settings.retention_sweep_s, settings.retention_policy()),
                access_log_sweeper(settings.access_log_anchor_s, settings.access_log_retention_days),
            ],
            clock=clock,
            readiness=keyring.readiness(),  # the transit engine, when it holds the KEK
            strong_authentication=strong_authentication,
        )
    )
    app.state.keyring = keyring
    app.state.reply_policy = settings.reply_policy()
    return app
