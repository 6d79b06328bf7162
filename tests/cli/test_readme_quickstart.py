"""The README's Chinese quick start runs as written (issue 14, item 6): every ``dualcarbon``
line of its code blocks, in order, in a fresh folder, each must end with exit status 0 and no
traceback. Two lines start servers that run until stopped (``cems receive``, ``serve``); their
own tests start and stop them (tests/cli/test_cems_receive.py, tests/api/test_cli_serve.py)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SERVERS = ("cems receive", " serve")


def quick_start_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## 中文快速上手", 1)[1].split("\n## ", 1)[0]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            if command.startswith("dualcarbon "):
                lines.append(command)
    return lines


def test_the_quick_start_is_found() -> None:
    lines = quick_start_lines()
    assert len(lines) >= 20
    assert any(line.startswith("dualcarbon cems examples") for line in lines)


RUNNER = """
import json, sys, traceback
import typer
from typer.testing import CliRunner
from dualcarbon.cli.main import app

runner = CliRunner()
report = []
for argv in json.load(sys.stdin):
    done = runner.invoke(app, argv, catch_exceptions=True)
    failure = ""
    if done.exception is not None and not isinstance(done.exception, (SystemExit, typer.Exit)):
        failure = "".join(traceback.format_exception(*done.exc_info))
    report.append({"code": done.exit_code, "traceback": failure, "output": done.output[-600:]})
print(json.dumps(report))
"""


def test_every_quick_start_line_runs_as_written(tmp_path: Path) -> None:
    """Every line, in order, with the words as printed (``shlex``), in one child interpreter
    started in a fresh folder: starting an interpreter per line cost more than half the time of
    the test, and a line cannot lean on what the test process imported."""
    for name in ("examples", "src"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUALCARBON_")}
    env.update(DUALCARBON_HOME=str(tmp_path / "home"), DUALCARBON_LANG="zh", COLUMNS="120")
    lines = [line for line in quick_start_lines() if not any(s in f" {line}" for s in SERVERS)]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([shlex.split(line)[1:] for line in lines]),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert len(report) == len(lines)
    failed = [
        f"{line}\n  → exit {run['code']}: {run['traceback'] or run['output']}"
        for line, run in zip(lines, report, strict=True)
        if run["code"] != 0 or run["traceback"]
    ]
    assert failed == [], "\n".join(failed)
