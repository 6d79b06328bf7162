"""The YAML project format (docs/projects.md).

```yaml
project:
  id: DEMO-OW-01
  name: 示例海上风电场一期
  owner: 示例海上风电有限公司
  methodology: ccer-01-002-v01
  grid: 华东
  crediting_period: {start: 2024-07-01, end: 2034-06-30}
  monitoring_period: {start: 2025-01-01, end: 2025-12-31}
  facts: {distance_km: 42, depth_m: 18}
  grid_margins: {2024: {om: …, bm: …, source: 生态环境部 …}}
monitoring_plan:
  - {parameter: export, meter: GK-01}
grid_supply:
  - {year: 2025, month: 1, export: 98500, export_ref: 2025年1月电费结算单, import: 45.2}
```

Every table's records carry ``year`` beside ``month``. Row numbers in messages count records
within each list, from 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ValidationError

from dualcarbon.accounting.inventory import coerce_records
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.projects.model import (
    PlanEntry,
    ProjectHeader,
    ProjectInventory,
    with_year,
    year_problems,
)

HEADER = "project"
PLAN = "monitoring_plan"


def read_project_yaml(path: Path) -> ProjectInventory:
    return project_from_mapping(read_yaml_mapping(path), source=str(path))


def project_from_mapping(raw: Mapping[str, Any], *, source: str) -> ProjectInventory:
    problems: list[InputProblem] = []
    header = _model(ProjectHeader, raw.get(HEADER), source, HEADER, None, problems)
    plan: list[PlanEntry] = []
    plan_raw = raw.get(PLAN, [])
    if not isinstance(plan_raw, list):
        problems.append(InputProblem(source, "must be a list of records", sheet=PLAN))
        plan_raw = []
    for row, entry in enumerate(plan_raw, start=1):
        found = _model(PlanEntry, entry, source, PLAN, row, problems)
        if found is not None:
            plan.append(found)
    tables: dict[str, pl.DataFrame] = {}
    for key, value in raw.items():
        if key in (HEADER, PLAN):
            continue
        if key not in TABLES:
            known = ", ".join([HEADER, PLAN, *TABLES])
            problems.append(InputProblem(source, f"unknown table (known: {known})", field=key))
            continue
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            problems.append(InputProblem(source, "must be a list of records", sheet=key))
            continue
        frame, found_problems = project_records(key, value, file=source, sheet=key)
        problems += found_problems
        tables[key] = frame
    if problems or header is None:
        raise InputError(problems)
    return ProjectInventory(
        header=header,
        plan=tuple(plan),
        tables=tables,
        source=source,
        plan_rows=tuple(range(1, len(plan) + 1)),
    )


def project_records(
    table_name: str,
    records: Sequence[Mapping[str, Any]],
    *,
    file: str,
    sheet: str,
) -> tuple[pl.DataFrame, list[InputProblem]]:
    """A table's records typed by its schema, with the ``year`` every project record carries."""
    frame, problems = coerce_records(with_year(TABLES[table_name]), records, file=file, sheet=sheet)
    return frame, problems + year_problems(frame, file, sheet)


def _model[M: BaseModel](
    model: type[M],
    raw: object,
    source: str,
    sheet: str,
    row: int | None,
    problems: list[InputProblem],
) -> M | None:
    if not isinstance(raw, dict):
        problems.append(InputProblem(source, "must be a mapping of fields", sheet=sheet, row=row))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            problems.append(
                InputProblem(
                    source,
                    error["msg"],
                    sheet=sheet,
                    row=row,
                    field=field,
                    value=error.get("input") if not isinstance(error.get("input"), dict) else None,
                )
            )
        return None
