"""What sending needs: the channels' settings (a channel without settings is not configured), HTTP clients
for SMS and webhooks, where webhooks may go, the keyring of webhook secrets and sealed addresses."""

from __future__ import annotations

import httpx

from abri_kit.envelope import KeyEncryption
from abri_notifications.channels.destinations import Destinations
from abri_notifications.channels.email import EmailSettings
from abri_notifications.channels.sms import SmsSettings
from abri_notifications.domain.policy import WebhookDestinationPolicy


class Outbound:
    """The ways out of the service, held for the app's lifetime (``main.py``).

    ``webhooks`` is the client webhooks leave through (``http`` when not given); ``destinations`` judges
    each one's destination at each attempt (the default rule, the system's resolver, when not given)."""

    def __init__(
        self,
        email: EmailSettings | None,
        sms: SmsSettings | None,
        keyring: KeyEncryption,
        http: httpx.AsyncClient,
        *,
        webhooks: httpx.AsyncClient | None = None,
        destinations: Destinations | None = None,
    ) -> None:
        self.email, self.sms, self.keyring, self.http = email, sms, keyring, http
        self.webhooks = webhooks or http
        self.destinations = destinations or Destinations(WebhookDestinationPolicy())
