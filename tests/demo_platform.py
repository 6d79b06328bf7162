"""The demo platform of `make run`, seeded into a folder of a test: its settings (cheap password
hashing, an SQLite file), for the tests that read what the demo holds."""

from __future__ import annotations

from pathlib import Path

from dualcarbon.api.settings import Settings
from dualcarbon.demo.platform import seed_demo_platform


def demo_settings(folder: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'platform.sqlite'}",
        secret_key="demo-test",  # type: ignore[arg-type]
        cookie_secure=False,
        password_memory_kib=64,
        password_time_cost=1,
    )


def seeded_demo(folder: Path) -> Settings:
    """The settings of a demo platform seeded in ``folder``."""
    settings = demo_settings(folder)
    seed_demo_platform(settings)
    return settings
