"""Reading a user's YAML file: UTF-8, valid YAML, a mapping at the top — or an InputError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dualcarbon.errors import InputError, InputProblem


def read_yaml_mapping(path: Path, what: str = "a mapping") -> dict[str, Any]:
    name = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError([InputProblem(name, "file is not UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        raise InputError([InputProblem(name, f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise InputError([InputProblem(name, f"top level must be {what}")])
    return raw
