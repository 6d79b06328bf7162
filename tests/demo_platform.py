"""The demo platform of `make run`, seeded into a folder of a test: its settings (cheap password
hashing, an SQLite file), for the tests that read what the demo holds.

Seeding takes seconds (every demo inventory accounted and lodged), and four test modules read the
demo: each process seeds one template and copies it (SQLite's online backup) into the folder of
each module that asks. The evidence in it is signed with the ledger key of the process's data
folder, which the copies share."""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from dualcarbon.api.settings import Settings
from dualcarbon.demo.platform import seed_demo_platform

_TEMPLATES: dict[tuple[str | None, str | None], Path] = {}


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
    # the ledger key comes from the environment or the data folder: one template for each
    key = (os.environ.get("DUALCARBON_HOME"), os.environ.get("DUALCARBON_LEDGER_KEY"))
    template = _TEMPLATES.get(key)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix="dualcarbon-demo-"))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        seed_demo_platform(demo_settings(template))
        _TEMPLATES[key] = template
    with (
        sqlite3.connect(template / "platform.sqlite") as source,
        sqlite3.connect(folder / "platform.sqlite") as target,
    ):
        source.backup(target)
    source.close()
    target.close()
    settings = demo_settings(folder)
    seed_demo_platform(settings)  # finds the demo seeded: does nothing
    return settings
