"""The command line's help in Chinese, from ``translations/cli.yaml``.

Typer takes help texts from the code (English, the project's language of code); under a Chinese
locale :func:`localised` replaces each command's and parameter's help with its Chinese before
the command line runs, so ``dualcarbon --help`` and every ``… --help`` read in Chinese.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

from dualcarbon.guards.safe_yaml import safe_load

SKIPPED = frozenset({"help", "install_completion", "show_completion"})
"""Parameters every command has; typer words their help itself."""


def catalogue() -> dict[str, Any]:
    text = resources.files("dualcarbon.translations").joinpath("cli.yaml").read_text("utf-8")
    found: dict[str, Any] = safe_load(text)
    return found


def commands(command: Any, context: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every command of the tree under ``command``, with its path (``''`` for the root)."""
    yield path, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(context):
            yield from commands(
                command.get_command(context, name), context, f"{path} {name}".strip()
            )


def parameter_key(parameter: Any) -> str:
    """An option by its first flag (``--json``), an argument by its name."""
    return str(parameter.opts[0] if parameter.param_type_name == "option" else parameter.name)


def localised(command: Any, context: Any) -> None:
    """Put the Chinese help of every command and parameter in place (what has none stays
    English)."""
    chinese = catalogue()
    for path, each in commands(command, context):
        entry = chinese.get(path) or {}
        if entry.get("help"):
            each.help = entry["help"]
            each.short_help = None
        params = entry.get("params") or {}
        for parameter in each.params:
            text = params.get(parameter_key(parameter))
            if text and parameter.name not in SKIPPED:
                parameter.help = text
