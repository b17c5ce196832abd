"""Every key-encryption key list and every signing key of every service and of the gateway may come from a
mounted file (``ABRI_X_FILE``), and is then the one used: the KEKs (for the service and for ``abri-ops``), the
transit token, the access logs' MAC keys, the visa signing key (a multi-line PEM), the gateway's session keys
(JSON), the BFF's client secret, and the passwords and URLs that carry credentials."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import OKPKey

from abri_assistant.settings import KEYRING as ASSISTANT_KEYRING
from abri_assistant.settings import AssistantSettings
from abri_gateway.settings import GatewaySettings
from abri_guarantees.settings import KEYRING as GUARANTEES_KEYRING
from abri_guarantees.settings import GuaranteesSettings
from abri_kit.envelope import Keyring
from abri_kit.settings_files import SettingsFileError
from abri_kit.transit import TransitKeys
from abri_matching.settings import KEYRING as MATCHING_KEYRING
from abri_matching.settings import MatchingSettings
from abri_notifications.settings import KEYRING as NOTIFICATIONS_KEYRING
from abri_notifications.settings import NotificationsSettings

pytestmark = pytest.mark.unit

DATABASE = "postgresql+asyncpg://svc:pw@db.internal:5432/svc"
SERVICES: dict[str, type[Any]] = {
    "matching": MatchingSettings,
    "guarantees": GuaranteesSettings,
    "notifications": NotificationsSettings,
    "assistant": AssistantSettings,
}
"""The services that wrap keys with KEKs and keep an access log."""
DECLARATIONS = {
    "matching": MATCHING_KEYRING,
    "guarantees": GUARANTEES_KEYRING,
    "notifications": NOTIFICATIONS_KEYRING,
    "assistant": ASSISTANT_KEYRING,
}


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(tuple(f"ABRI_{component.upper()}_" for component in (*SERVICES, "insights", "gateway"))):
            monkeypatch.delenv(name)


def mounted(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")  # as a Kubernetes Secret's key is mounted, a newline at the end
    path.chmod(0o400)
    return str(path)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_s_keks_and_access_log_key_come_from_files_for_it_and_for_abri_ops(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"ABRI_{service.upper()}_"
    keks = f"{Keyring.generate_entry('filed-2')},{Keyring.generate_entry('filed-1')}"
    mac = f"mac-1:{base64.b64encode(os.urandom(32)).decode()}"
    monkeypatch.setenv(f"{prefix}DATABASE_URL_FILE", mounted(tmp_path, "url", DATABASE))
    monkeypatch.setenv(f"{prefix}KEKS_FILE", mounted(tmp_path, "keks", keks))
    monkeypatch.setenv(f"{prefix}ACCESS_LOG_KEY_FILE", mounted(tmp_path, "mac", mac))
    settings = SERVICES[service]()
    keyring = settings.keyring()
    assert isinstance(keyring, Keyring) and keyring.entries() == keks
    assert settings.access_log_keys(f"{prefix}ACCESS_LOG_KEY").current == "mac-1"
    assert settings.database_url.get_secret_value() == DATABASE
    ops = DECLARATIONS[service].keyring()  # abri-ops in the service's pod reads the same files
    assert isinstance(ops, Keyring) and ops.entries() == keks
    monkeypatch.setenv(f"{prefix}KEKS", keks)
    with pytest.raises(SettingsFileError, match=f"{prefix}KEKS and {prefix}KEKS_FILE are both set"):
        DECLARATIONS[service].keyring()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_s_transit_token_comes_from_a_file(service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = f"ABRI_{service.upper()}_"
    monkeypatch.setenv(f"{prefix}DATABASE_URL", DATABASE)
    monkeypatch.setenv(f"{prefix}KEK_TRANSIT_URL", "https://vault.internal:8200")
    monkeypatch.setenv(f"{prefix}KEK_TRANSIT_TOKEN_FILE", mounted(tmp_path, "token", "s.filed"))
    for keys in (SERVICES[service]().keyring(), DECLARATIONS[service].keyring()):
        assert isinstance(keys, TransitKeys) and keys.config.key == f"abri-{service}" and keys.config.current_token() == "s.filed"


def test_the_visa_signing_key_comes_from_a_file_as_a_multi_line_pem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pem = OKPKey.generate_key("Ed25519").as_pem(private=True).decode().strip()
    assert "\n" in pem
    monkeypatch.setenv("ABRI_GUARANTEES_DATABASE_URL", DATABASE)
    monkeypatch.setenv("ABRI_GUARANTEES_VISA_SIGNING_KEY_FILE", mounted(tmp_path, "visa.pem", pem))
    signer = GuaranteesSettings().visa_signer()
    public = OKPKey.import_key(pem.encode()).as_dict(private=False)
    assert any(jwk.get("x") == public["x"] for jwk in asyncio.run(signer.jwks())["keys"])


def test_the_gateway_s_session_keys_and_client_secret_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new, old = (base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=") for _ in range(2))
    monkeypatch.setenv("ABRI_GATEWAY_SESSION_KEYS_FILE", mounted(tmp_path, "session-keys", f'["{new}", "{old}"]'))
    monkeypatch.setenv("ABRI_GATEWAY_OIDC_CLIENT_SECRET_FILE", mounted(tmp_path, "client-secret", "bff-secret"))
    monkeypatch.setenv("ABRI_GATEWAY_REDIS_URL_FILE", mounted(tmp_path, "redis", "rediss://:pw@redis.internal:6380/0"))
    settings = GatewaySettings()
    assert [key.get_secret_value() for key in settings.session_keys] == [new, old]  # the first encrypts, both decrypt
    assert settings.oidc_client_secret.get_secret_value() == "bff-secret"
    assert settings.redis_url is not None and settings.redis_url.get_secret_value().startswith("rediss://")


@pytest.mark.parametrize(
    ("variable", "read"),
    [
        ("ABRI_NOTIFICATIONS_SMTP_PASSWORD", lambda s: s.smtp_password),
        ("ABRI_NOTIFICATIONS_SMS_API_KEY", lambda s: s.sms_api_key),
        ("ABRI_NOTIFICATIONS_KAFKA_PASSWORD", lambda s: s.kafka_password),
        ("ABRI_NOTIFICATIONS_KEYSTORE_URL", lambda s: s.keystore_url),
        ("ABRI_NOTIFICATIONS_LEDGER_URL", lambda s: s.ledger_url),
    ],
)
def test_the_other_credentials_of_a_service_come_from_files(
    variable: str, read: Callable[[NotificationsSettings], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ABRI_NOTIFICATIONS_DATABASE_URL", DATABASE)
    monkeypatch.setenv(f"{variable}_FILE", mounted(tmp_path, "secret", "from-the-file"))
    assert read(NotificationsSettings()).get_secret_value() == "from-the-file"


def test_insights_without_keys_reads_its_database_url_and_kafka_password_from_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Insights keeps counts only (no KEK, no key store, no access log): its credentials are its database URL and its
    Kafka password, mounted like everyone's."""
    from abri_insights.settings import InsightsSettings

    monkeypatch.setenv("ABRI_INSIGHTS_DATABASE_URL_FILE", mounted(tmp_path, "url", DATABASE))
    monkeypatch.setenv("ABRI_INSIGHTS_KAFKA_PASSWORD_FILE", mounted(tmp_path, "kafka", "from-the-file"))
    settings = InsightsSettings()
    assert settings.database_url.get_secret_value() == DATABASE
    assert settings.kafka_password is not None and settings.kafka_password.get_secret_value() == "from-the-file"
    assert not hasattr(settings, "keyring") and not hasattr(settings, "keystore_url")
