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
    database_pool_size: int = Field(
        default=5,
        ge=1,
        description="PostgreSQL connections each server worker keeps open; with "
        "database_max_overflow, workers × (pool + overflow) must stay below the server's "
        "max_connections (100 by default)",
    )
    database_max_overflow: int = Field(
        default=10, ge=0, description="extra PostgreSQL connections a worker may open at peaks"
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
        description="failed logins for one account (or one known device) before each further "
        "attempt must wait, the wait doubling (docs/api.md, login throttling)",
    )
    login_failures_per_client: int = Field(
        default=20,
        gt=0,
        description="failed logins from one client address (browsers without a device cookie) "
        "before each further attempt must wait, the wait doubling",
    )
    login_backoff_max_seconds: int = Field(
        default=15 * 60, gt=0, description="the longest wait the back-off imposes [s]"
    )
    login_forget_seconds: int = Field(
        default=24 * 3600,
        gt=0,
        description="a counter without attempts for this long starts again from zero [s]",
    )
    password_hash_concurrency: int = Field(
        default=4, gt=0, description="password checks (Argon2id) run at once, at most"
    )
    password_hash_queue: int = Field(
        default=16,
        ge=0,
        description="password checks waiting for a slot, at most; beyond, 503 with Retry-After",
    )
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_body_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="largest request body of any route but the file uploads (which take "
        "max_upload_bytes), PACT events included; larger ones answer 413 (docs/api.md)",
    )
    password_memory_kib: int = Field(
        default=65536, ge=8, description="Argon2id memory cost [KiB] for new password hashes"
    )
    password_time_cost: int = Field(default=3, ge=1)
    ledger_key: SecretStr | None = Field(
        default=None,
        description="base64 Ed25519 private key signing the evidence logs' tree heads; if unset, "
        "ledger.key in the data folder (created on first use)",
    )

    # -- PACT (docs/pact.md, decision 0012) --
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#]+$",
        description="the server's address as partners reach it (e.g. https://carbon.example.cn): "
        "PACT Link headers and event sources use it; if unset, the request's own scheme and host "
        "(behind a TLS proxy, trust it with `serve --forwarded-allow-ips`)",
    )
    pact_allow_private_event_urls: bool = Field(
        default=False,
        description="let PACT event deliveries reach loopback, private, link-local and other "
        "non-public addresses (server-side request forgery guard; for tests and closed networks)",
    )
    pact_ca_bundle: str | None = Field(
        default=None,
        description="PEM file of the CAs trusted for outgoing PACT deliveries (default: the "
        "system's)",
    )
    pact_delivery_poll_seconds: float = Field(
        default=30.0,
        gt=0,
        description="how often the server looks for PACT deliveries due for another attempt",
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
