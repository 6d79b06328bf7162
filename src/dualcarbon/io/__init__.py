"""Readers and writers of inventory files: YAML and Excel, one table schema for both."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the readers import the tables, which read their files with io.safe_yaml
    from dualcarbon.accounting.inventory import Inventory


def read_inventory(path: Path) -> Inventory:
    """Read an inventory from ``.yaml``/``.yml`` or ``.xlsx``; refuses any file with a problem."""
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        from dualcarbon.io.yaml_inventory import read_yaml_inventory

        return read_yaml_inventory(path)
    if suffix == ".xlsx":
        from dualcarbon.io.excel import read_workbook

        return read_workbook(path)
    from dualcarbon.errors import InputError, InputProblem

    raise InputError([InputProblem(str(path), "unsupported file type (use .yaml or .xlsx)")])
