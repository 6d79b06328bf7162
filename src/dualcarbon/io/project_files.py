"""Read a project file by its suffix: YAML (.yaml, .yml) or an Excel workbook (.xlsx)."""

from __future__ import annotations

from pathlib import Path

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.projects.model import ProjectInventory


def read_project(path: Path) -> ProjectInventory:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from dualcarbon.io.project_yaml import read_project_yaml

        return read_project_yaml(path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from dualcarbon.io.project_workbook import read_project_workbook

        return read_project_workbook(path)
    raise InputError(
        [
            InputProblem(
                str(path), "a project file is .yaml or .xlsx", rule_zh="项目文件须为 .yaml 或 .xlsx"
            )
        ]
    )
