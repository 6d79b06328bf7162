"""Uncertainty budget files (format: :mod:`dualcarbon.uncertainty.budget`)."""

from __future__ import annotations

from pathlib import Path

from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.uncertainty.budget import budget_from_mapping
from dualcarbon.uncertainty.model import MeasurementModel


def read_budget(path: Path) -> MeasurementModel:
    """Read a budget file; every problem names the file and the field."""
    raw = read_yaml_mapping(path, "a mapping with model and inputs")
    return budget_from_mapping(raw, source=str(path))
