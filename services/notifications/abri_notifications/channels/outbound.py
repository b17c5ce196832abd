"""What sending needs: the channels' settings (a channel without settings is not configured), an HTTP
client for SMS and webhooks, the keyring of webhook secrets and sealed addresses."""

from __future__ import annotations

import httpx

from abri_kit.envelope import Keyring
from abri_notifications.channels.email import EmailSettings
from abri_notifications.channels.sms import SmsSettings


class Outbound:
    """The ways out of the service, held for the app's lifetime (``main.py``)."""

    def __init__(self, email: EmailSettings | None, sms: SmsSettings | None, keyring: Keyring, http: httpx.AsyncClient) -> None:
        self.email, self.sms, self.keyring, self.http = email, sms, keyring, http
