"""The README's Chinese quick start runs as written (issue 14, item 6): every ``dualcarbon``
line of its code blocks, in order, in a fresh folder, each must end with exit status 0 and no
traceback. Two lines start servers that run until stopped (``cems receive``, ``serve``); their
own tests start and stop them (tests/cli/test_cems_receive.py, tests/api/test_cli_serve.py)."""

from __future__ import annotations

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


def test_every_quick_start_line_runs_as_written(tmp_path: Path) -> None:
    for name in ("examples", "src"):
        (tmp_path / name).symlink_to(ROOT / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUALCARBON_")}
    env.update(DUALCARBON_HOME=str(tmp_path / "home"), DUALCARBON_LANG="zh", COLUMNS="120")
    failed = []
    for line in quick_start_lines():
        if any(server in f" {line}" for server in SERVERS):
            continue
        done = subprocess.run(
            [sys.executable, "-m", "dualcarbon.cli.main", *shlex.split(line)[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or "Traceback" in done.stderr:
            failed.append(f"{line}\n  → exit {done.returncode}: {done.stderr[-600:]}")
    assert failed == [], "\n".join(failed)
