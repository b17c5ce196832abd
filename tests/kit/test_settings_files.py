"""Any setting may come from a file (``ABRI_X_FILE``, a mounted Secret) instead of the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from abri_gateway.settings import GatewaySettings
from abri_kit.settings_files import SettingsFileError
from abri_listings.settings import ListingsSettings
from abri_matching.settings import MatchingSettings

pytestmark = pytest.mark.unit

URL = "postgresql+asyncpg://listings:s3cret@db.internal:5432/listings"


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ABRI_LISTINGS_DATABASE_URL", "ABRI_MATCHING_DATABASE_URL", "ABRI_MATCHING_KEKS", "ABRI_GATEWAY_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name + "_FILE", raising=False)


def secret(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def test_a_secret_comes_from_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABRI_LISTINGS_DATABASE_URL_FILE", secret(tmp_path, "url", URL + "\n"))  # as kubectl writes it
    assert ListingsSettings().database_url.get_secret_value() == URL


def test_a_service_s_keys_and_a_json_setting_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABRI_MATCHING_DATABASE_URL_FILE", secret(tmp_path, "url", URL))
    monkeypatch.setenv("ABRI_MATCHING_KEKS_FILE", secret(tmp_path, "keks", "k2:" + "A" * 43 + "=,k1:" + "B" * 43 + "="))
    settings = MatchingSettings()
    assert settings.keks is not None and settings.keks.get_secret_value().startswith("k2:")
    monkeypatch.setenv("ABRI_GATEWAY_TRUSTED_PROXIES_FILE", secret(tmp_path, "proxies", '["10.244.0.0/16"]'))
    assert GatewaySettings().trusted_proxies == ["10.244.0.0/16"]


def test_both_ways_at_once_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABRI_LISTINGS_DATABASE_URL", URL)
    monkeypatch.setenv("ABRI_LISTINGS_DATABASE_URL_FILE", secret(tmp_path, "url", URL))
    with pytest.raises(SettingsFileError, match="ABRI_LISTINGS_DATABASE_URL and ABRI_LISTINGS_DATABASE_URL_FILE are both set"):
        ListingsSettings()


def test_an_unreadable_file_is_named_and_its_content_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABRI_LISTINGS_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsFileError, match="ABRI_LISTINGS_DATABASE_URL_FILE: cannot read") as refused:
        ListingsSettings()
    assert "s3cret" not in str(refused.value)
    monkeypatch.setenv("ABRI_LISTINGS_DATABASE_URL_FILE", secret(tmp_path, "bad", "not a url"))
    settings = ListingsSettings()  # a string is a string: the engine refuses it at start, as from the environment
    assert settings.database_url.get_secret_value() == "not a url"


def test_a_value_given_in_code_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABRI_LISTINGS_DATABASE_URL_FILE", secret(tmp_path, "url", URL))
    assert ListingsSettings(database_url="postgresql+asyncpg://x@y/z").database_url.get_secret_value() == "postgresql+asyncpg://x@y/z"


def test_a_malformed_json_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABRI_GATEWAY_TRUSTED_PROXIES_FILE", secret(tmp_path, "proxies", "[10.244"))
    with pytest.raises(SettingsFileError, match="ABRI_GATEWAY_TRUSTED_PROXIES_FILE: not valid JSON"):
        GatewaySettings()
