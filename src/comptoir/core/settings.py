"""Settings from `COMPTOIR_*` environment variables or a `.env` file."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv6Address
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The names of this machine: what `make run` and a browser on the till itself use.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/comptoir.db"
    # Deliver outbox messages from a thread inside the web process (the embedded default).
    # Production runs `comptoir worker` instead and turns this off.
    embedded_worker: bool = True
    session_cookie_name: str = "comptoir_session"
    session_days: int = 14
    # Set when served behind HTTPS so cookies are never sent in clear.
    secure_cookies: bool = False
    sqlite_busy_timeout_ms: int = 30_000
    # How often a long-running process truncates an SQLite file's write-ahead log after
    # writes (core/wal.py): each checkpoint holds the write lock some 10-30 ms.
    sqlite_checkpoint_seconds: float = Field(default=2.0, gt=0, le=3600)
    # The address of the site in emails (password reset links). Unset, a link takes the
    # request's own address, which the Host check below limits to `allowed_hosts`.
    public_url: str | None = None
    # The host names (Host header) the server answers for; other requests get 400, so a
    # forged Host never reaches a page or a link. Comma-separated in the environment;
    # "*.example.com" for subdomains; the host of `public_url` is always allowed.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [*LOCAL_HOSTS])
    # Outgoing mail (password resets). tls: "none", "starttls" or "ssl".
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "comptoir@localhost"
    smtp_timeout_seconds: float = 10.0
    # Where the fiscal journal's private signing key lives (created by `comptoir init`):
    # outside the database, readable by the server's user only (docs/fiscal.md).
    fiscal_key_dir: Path = Path("var/fiscal")
    # Where `comptoir fiscal archive` and the Settings > Fiscal page keep the signed monthly
    # archives of the journal (docs/fiscal.md): back this directory up off the machine.
    fiscal_archive_dir: Path = Path("var/fiscal-archives")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        names = value.split(",") if isinstance(value, str) else value
        if not isinstance(names, list | tuple):
            return value
        return [_host_pattern(str(name)) for name in names if str(name).strip()]

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("public_url must be an http:// or https:// address")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _links_need_a_known_host(self) -> Self:
        if "*" in self.allowed_hosts and self.public_url is None:
            raise ValueError(
                'COMPTOIR_ALLOWED_HOSTS "*" accepts any Host header: set COMPTOIR_PUBLIC_URL '
                "so that emailed links never follow one"
            )
        return self

    def trusted_hosts(self) -> list[str]:
        """`allowed_hosts` and the host of `public_url`, as the Host check compares them."""
        hosts = list(self.allowed_hosts)
        if self.public_url is not None:
            public = _host_pattern(urlsplit(self.public_url).netloc.rpartition("@")[2])
            if public not in hosts:
                hosts.append(public)
        return hosts


def _host_pattern(name: str) -> str:
    """A host as Starlette compares it: lower case, no port, an IPv6 literal in brackets."""
    host = name.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    try:
        return f"[{IPv6Address(host)}]"
    except ValueError:
        return host.partition(":")[0]


@lru_cache
def get_settings() -> Settings:
    return Settings()
