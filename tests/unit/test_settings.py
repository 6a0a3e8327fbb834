"""Settings read from the environment: host names and the public address."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from comptoir.core.settings import Settings


@pytest.fixture(autouse=True)
def _no_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(tmp_path)  # no developer `.env` read
    for name in ("COMPTOIR_ALLOWED_HOSTS", "COMPTOIR_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)


def test_by_default_only_this_machines_names_are_allowed() -> None:
    assert Settings().allowed_hosts == ["localhost", "127.0.0.1", "[::1]"]
    assert Settings().public_url is None


def test_allowed_hosts_are_a_comma_separated_list_normalised_as_the_host_check_compares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMPTOIR_ALLOWED_HOSTS", " Shop.Example.com , 10.0.0.5:8000,::1,*.shop.fr,")

    assert Settings().allowed_hosts == ["shop.example.com", "10.0.0.5", "[::1]", "*.shop.fr"]


def test_the_public_urls_host_is_trusted_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPTOIR_PUBLIC_URL", "https://Pos.Example.com:8443/")

    settings = Settings()

    assert settings.public_url == "https://Pos.Example.com:8443"
    assert settings.trusted_hosts() == ["localhost", "127.0.0.1", "[::1]", "pos.example.com"]


@pytest.mark.parametrize("url", ["shop.example.com", "ftp://shop.example.com", "https://"])
def test_a_public_url_that_is_not_a_web_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("COMPTOIR_PUBLIC_URL", url)

    with pytest.raises(ValidationError, match="public_url must be"):
        Settings()


def test_any_host_needs_a_public_url_for_the_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPTOIR_ALLOWED_HOSTS", "*")
    with pytest.raises(ValidationError, match="set COMPTOIR_PUBLIC_URL"):
        Settings()

    monkeypatch.setenv("COMPTOIR_PUBLIC_URL", "https://shop.example.com")
    assert Settings().allowed_hosts == ["*"]
