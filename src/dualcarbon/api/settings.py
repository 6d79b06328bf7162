"""The server's settings: one pydantic-settings class, read from ``DUALCARBON_*`` variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dualcarbon.store.database import data_dir, database_url

SECRET_FILE = "secret_key"


def persistent_secret(folder: Path) -> str:
    """The secret kept in ``folder/secret_key``, created (readable by the owner only) if missing.

    A single embedded server keeps working across restarts without configuration; several
    instances behind a load balancer must share one key through ``DUALCARBON_SECRET_KEY``.
    """
    path = folder / SECRET_FILE
    if path.is_file():
        stored = path.read_text(encoding="ascii").strip()
        if stored:
            return stored
    folder.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret


class Settings(BaseSettings):
    """Everything the server reads from its environment (``DUALCARBON_`` + the field name)."""

    model_config = SettingsConfigDict(env_prefix="DUALCARBON_", extra="ignore")

    database_url: str = Field(
        default_factory=database_url,
        description="store URL; default the SQLite file in the data folder",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="key signing the session cookie; if unset, one is generated and kept in "
        "the data folder",
    )
    cookie_secure: bool = Field(
        default=True, description="send the cookie over HTTPS only (browsers allow localhost)"
    )
    cookie_samesite: Literal["lax", "strict"] = "lax"
    trusted_origins: list[str] = Field(
        default_factory=list,
        description="origins besides the server's own (scheme://host[:port]) whose pages may "
        "post to it with a session cookie, such as the public name behind a proxy that rewrites "
        "Host (docs/api.md, browser protections)",
    )
    session_max_age_seconds: int = Field(default=12 * 3600, gt=0)
    login_failures_per_email: int = Field(
        default=5,
        gt=0,
        description="failed logins for one e-mail address within the window before further "
        "attempts answer 429 (docs/api.md, login throttling)",
    )
    login_failures_per_client: int = Field(
        default=20,
        gt=0,
        description="failed logins from one client address within the window before further "
        "attempts answer 429",
    )
    login_window_seconds: int = Field(
        default=15 * 60, gt=0, description="how long a failed login counts [s]"
    )
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    password_memory_kib: int = Field(
        default=65536, ge=8, description="Argon2id memory cost [KiB] for new password hashes"
    )
    password_time_cost: int = Field(default=3, ge=1)
    ledger_key: SecretStr | None = Field(
        default=None,
        description="base64 Ed25519 private key signing the evidence logs' tree heads; if unset, "
        "ledger.key in the data folder (created on first use)",
    )

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if self.secret_key is None or not self.secret_key.get_secret_value():
            self.secret_key = SecretStr(persistent_secret(data_dir()))
        return self

    @property
    def secret(self) -> str:
        assert self.secret_key is not None  # filled by the validator
        return self.secret_key.get_secret_value()
