"""``dualcarbon --help`` answers at once and in the user's language (issue 14, items 5 and 6).

It took 2.9 s because scipy.stats, the factor catalogue and polars loaded at import; the command
line now imports the domain only inside the command that needs it. Which libraries ``--help``
loads is checked here (a load-independent fact); the time is in benchmarks/cli_startup.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from typer.main import get_command

from dualcarbon.cli.localise import SKIPPED, catalogue, commands, parameter_key
from dualcarbon.cli.main import app

HEAVY = ("polars", "pint", "scipy", "numpy", "sqlalchemy", "pyarrow", "duckdb", "openpyxl")
"""What the domain loads (typer itself imports pydantic to inspect parameter types)."""
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _run(*args: str, lang: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DUALCARBON_LANG", "LC_ALL")}
    env.update(LANG=lang, COLUMNS="120")
    done = subprocess.run(
        [sys.executable, "-m", "dualcarbon.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


def test_help_loads_no_domain_library() -> None:
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from dualcarbon.cli.main import app\n"
        "for args in (['--help'], ['account', '--help'], ['footprint', '--help'],\n"
        "             ['instruments', 'review', '--help'], ['cems', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_help_reads_in_chinese_under_a_chinese_locale() -> None:
    chinese = _run("account", "--help", lang="zh_CN.UTF-8")
    assert "清单" in chinese and "--accept" in chinese
    english = _run("account", "--help", lang="en_US.UTF-8")
    assert not CHINESE.search(english.split("Options")[0])


def test_every_command_and_option_has_its_chinese() -> None:
    root = get_command(app)
    chinese = catalogue()
    missing = []
    for path, command in commands(root, root.context_class(root)):
        entry = chinese.get(path) or {}
        if not entry.get("help"):
            missing.append(path or "(root)")
        for parameter in command.params:
            if parameter.name in SKIPPED or not getattr(parameter, "help", None):
                continue
            if not (entry.get("params") or {}).get(parameter_key(parameter)):
                missing.append(f"{path} {parameter_key(parameter)}")
    assert missing == []
