"""The YAML file of a product system (demo/data/footprint/pv-module-simple.yaml is one).

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

A ``background:`` entry may name a record of the background library
(:mod:`.background`, ``footprint/data/background.yaml``) instead of writing the factor out::

    background:
      - use: steel_crude_worldsteel_2022            # product id = the record id
      - use: electricity_cn_grid_cfp_2023
        product: electricity_cn                     # bought under another product id
      - use: aluminium_primary_iai_2022
        emission_factor: 8.6                        # a supplier's own number ...
        source: "supplier EPD S-P-01234, 2024"      # ... needs its own source

The reference is replaced by the record's full :class:`~dualcarbon.footprint.model.BackgroundSupply`
(source, data quality, origin, aircraft) before the system is validated, fields written next to
``use`` taking precedence. An unknown id, a field that a background supply does not have, or a
changed factor or unit without a ``source`` is a problem of the file (``sheet`` = ``background``,
``row`` = the entry's number).

Reading is all-or-nothing: a file with a broken rule yields nothing but an
:class:`~dualcarbon.errors.InputError` listing every problem with the file, the process
(``sheet``), the exchange number counted from 1 (``row``), the field and the rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.footprint.background import (
    BackgroundLibrary,
    default_background_library,
    override_problems,
)
from dualcarbon.footprint.model import ProductSystem, validate_product_system
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.io.gate_to_gate import file_loader, resolve_gate_to_gate


def read_product_system(path: Path, library: BackgroundLibrary | None = None) -> ProductSystem:
    """The product system in the YAML file at ``path``, or an InputError naming every problem.

    ``background`` entries with ``use:`` are taken from ``library`` (the shipped one if None)."""
    raw = read_yaml_mapping(path, what="a product system (a mapping)")
    resolved = resolve_background(raw, source=str(path), library=library)
    resolved = resolve_gate_to_gate(resolved, source=str(path), load=file_loader(path.parent))
    return validate_product_system(resolved, source=str(path))


def resolve_background(
    raw: Mapping[str, Any], source: str, library: BackgroundLibrary | None = None
) -> dict[str, Any]:
    """``raw`` with every ``background`` entry that has ``use: <id>`` replaced by the library
    record, its other fields overriding the record's; or an InputError naming every unknown id
    and every bad override. Entries without ``use`` are left as they are."""
    resolved = dict(raw)
    entries = raw.get("background")
    if not isinstance(entries, list) or not any(
        isinstance(e, dict) and "use" in e for e in entries
    ):
        return resolved
    library = library if library is not None else default_background_library()
    problems: list[InputProblem] = []
    out: list[Any] = []
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict) and "use" in entry):
            out.append(entry)
            continue
        row = index + 1
        record_id = entry["use"]
        overrides = {k: v for k, v in entry.items() if k != "use"}
        found = [
            dataclasses.replace(p, file=source, sheet="background", row=row)
            for p in override_problems(overrides)
        ]
        if not isinstance(record_id, str) or record_id not in library:
            found.append(
                InputProblem(
                    source,
                    "no record of this id in the background library "
                    f"{library.path} (known: {', '.join(library.ids)})",
                    field="use",
                    sheet="background",
                    row=row,
                    value=record_id,
                )
            )
        problems += found
        if not found:
            out.append({**library.get(record_id).supply_mapping(), **overrides})
    if problems:
        raise InputError(problems)
    resolved["background"] = out
    return resolved


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
