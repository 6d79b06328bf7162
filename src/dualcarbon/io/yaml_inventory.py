"""The YAML inventory format (docs/inventory-format.md).

```yaml
inventory: {organisation: …, facility: …, year: 2024, methodology: cn-mee-power-2022}
fuel:
  - {unit: "#1", month: 1, fuel: coal, consumption: 98000, ncv: 20.9, carbon_content: 53.1}
electricity:
  - {month: 1, amount: 1520}
```

Row numbers in messages count records within each table, from 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from dualcarbon.accounting.inventory import Inventory, InventoryHeader, coerce_records
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.methodologies.tables import TABLES


def read_yaml_inventory(path: Path) -> Inventory:
    return inventory_from_mapping(read_yaml_mapping(path), source=str(path))


def inventory_from_mapping(raw: dict[str, Any], *, source: str) -> Inventory:
    problems: list[InputProblem] = []
    header = _header(raw.get("inventory"), source, problems)
    tables: dict[str, pl.DataFrame] = {}
    for key, value in raw.items():
        if key == "inventory":
            continue
        table = TABLES.get(key)
        if table is None:
            problems.append(
                InputProblem(
                    source, f"unknown table (known: inventory, {', '.join(TABLES)})", field=key
                )
            )
            continue
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            problems.append(InputProblem(source, "must be a list of records", sheet=key))
            continue
        frame, found = coerce_records(table, value, file=source, sheet=key)
        problems += found
        tables[key] = frame
    if problems or header is None:
        raise InputError(problems)
    return Inventory(header=header, tables=tables, source=source)


def _header(raw: object, source: str, problems: list[InputProblem]) -> InventoryHeader | None:
    if not isinstance(raw, dict):
        problems.append(
            InputProblem(
                source,
                "needs an 'inventory' mapping (organisation, year, methodology)",
                field="inventory",
            )
        )
        return None
    try:
        return InventoryHeader.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            problems.append(
                InputProblem(
                    source, error["msg"], sheet="inventory", field=field, value=error.get("input")
                )
            )
        return None
