"""The YAML file of a product system (examples/footprint/pv-module-simple.yaml is one).

The file is the :class:`~dualcarbon.footprint.model.ProductSystem` written out: its fields at the
top level, ``processes`` a list of processes each with its ``exchanges``. Pedigree scores may be
written as five numbers in the ecoinvent order, ``data_quality: [2, 3, 1, 2, 4]``::

    id: pv-module-simple
    boundary: cradle_to_gate
    stages: [raw_material_acquisition, production]
    gwp_set: AR6
    processes:
      - id: cell
        stage: production
        exchanges:
          - {kind: production, product: pv_cell, amount: 1, unit: m**2}
          - {kind: technosphere, product: wafer, formula: 1 / cell_yield, unit: m**2}

Reading is all-or-nothing: a file with a broken rule yields nothing but an
:class:`~dualcarbon.errors.InputError` listing every problem with the file, the process
(``sheet``), the exchange number counted from 1 (``row``), the field and the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dualcarbon.footprint.model import ProductSystem, validate_product_system
from dualcarbon.io.yaml_file import read_yaml_mapping


def read_product_system(path: Path) -> ProductSystem:
    """The product system in the YAML file at ``path``, or an InputError naming every problem."""
    raw = read_yaml_mapping(path, what="a product system (a mapping)")
    return validate_product_system(raw, source=str(path))


def product_system_to_mapping(system: ProductSystem) -> dict[str, Any]:
    """Plain data (as JSON would hold it) that reads back to the same system; defaults omitted."""
    return system.model_dump(mode="json", exclude_defaults=True)


def dump_product_system(system: ProductSystem) -> str:
    """The system as YAML text, fields in model order, Chinese kept readable."""
    return yaml.safe_dump(
        product_system_to_mapping(system), allow_unicode=True, sort_keys=False, width=100
    )


def write_product_system(system: ProductSystem, path: Path) -> None:
    path.write_text(dump_product_system(system), encoding="utf-8")
