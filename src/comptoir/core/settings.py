"""Settings from `COMPTOIR_*` environment variables or a `.env` file."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # The address of the site in emails (password reset links); the request's own address
    # when unset. Set it in production so a forged Host header cannot change the link.
    public_url: str | None = None
    # Outgoing mail (password resets). tls: "none", "starttls" or "ssl".
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "comptoir@localhost"
    smtp_timeout_seconds: float = 10.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
