"""Shared terminal helpers: one console, error display, JSON output."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from dualcarbon.errors import InputError
from dualcarbon.i18n import Lang, pick

console = Console()
errors = Console(stderr=True)


def print_json(data: Any) -> None:
    """Plain JSON on stdout (no colour codes), UTF-8, for machines."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def show_input_error(error: InputError, lang: Lang) -> None:
    errors.print(
        pick(
            lang,
            f"[bold red]输入有 {len(error.problems)} 处问题，未计算、未保存任何内容：[/]",
            f"[bold red]{len(error.problems)} problem(s) in the input; nothing was computed or "
            "stored:[/]",
        )
    )
    for problem in error.problems:
        errors.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
