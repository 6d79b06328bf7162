"""Reading a user's YAML file: UTF-8, valid YAML, a mapping at the top, no NUL characters — or
an InputError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.safe_yaml import safe_load


def read_yaml_mapping(path: Path, what: str = "a mapping") -> dict[str, Any]:
    name = str(path)
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError([InputProblem(name, "file is not UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        raise InputError([InputProblem(name, f"not valid YAML: {exc}")]) from None
    except ValueError as exc:  # a timestamp YAML reads but the calendar refuses (2025-13-45)
        raise InputError([InputProblem(name, f"not a valid date or time: {exc}")]) from None
    if not isinstance(raw, dict):
        raise InputError([InputProblem(name, f"top level must be {what}")])
    refuse_nul(raw, name)
    return raw


def refuse_nul(raw: Any, source: str) -> None:
    """Raise naming every text (key or value) of parsed YAML or JSON holding U+0000.

    YAML's ``"\\0"`` and JSON's ``"\\u0000"`` make one; PostgreSQL text cannot store it, and no
    inventory or register needs it.
    """
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            if "\x00" in value:
                found.append(path or "(top)")
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and "\x00" in key:
                    found.append(where)
                walk(item, where)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index + 1}]")

    walk(raw, "")
    if found:
        raise InputError(
            [InputProblem(source, "text may not contain the NUL character", field=f) for f in found]
        )
