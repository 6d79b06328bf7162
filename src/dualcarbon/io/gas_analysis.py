"""Natural-gas composition files (format: docs/gas-composition.md)."""

from __future__ import annotations

from pathlib import Path

from dualcarbon.gas.analysis import GasAnalysis, analysis_from_mapping
from dualcarbon.guards.yaml_file import read_yaml_mapping


def read_gas_analysis(path: Path) -> GasAnalysis:
    """Read a composition file; every problem names the file and the field."""
    raw = read_yaml_mapping(path, "a mapping with report, conditions and composition")
    return analysis_from_mapping(raw, source=str(path))
