"""Settings from `COMPTOIR_*` environment variables or a `.env` file."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
