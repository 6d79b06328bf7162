"""The tier rules, enforced once for every line (issue 13, item 2; decision 0014).

A value is only as good as what it rests on. The rules:

- a ``measured`` value names its instrument or meter record;
- a ``lab`` value names its analysis report;
- a ``default`` names its source: a factor of the catalogue carries its id@version and clause;
  a default typed into the inventory must name its source and clause itself.

A value that names nothing is an input error, located at the inventory's file, table, row and
the column that should name the evidence (the calculator slot's ``evidence_column``).
"""

from __future__ import annotations

import polars as pl

from dualcarbon.accounting.result import LINE_INPUTS
from dualcarbon.datum import Tier
from dualcarbon.errors import InputProblem
from dualcarbon.methodologies.definition import Methodology
from dualcarbon.methodologies.registry import get_calculator

RULES = {
    Tier.MEASURED: "a measured value names its instrument or meter record",
    Tier.LAB: "a laboratory value names its analysis report",
    Tier.DEFAULT: "a default names its source and clause (e.g. GB/T 32151.8 附录B 表B.1)",
}


def unnamed_evidence(
    lines: pl.DataFrame, methodology: Methodology, source_file: str
) -> list[InputProblem]:
    """A problem for every input of every line that claims a tier without naming its evidence."""
    tables = {source.kind: source.table_name for source in methodology.sources}
    problems: list[InputProblem] = []
    for (calculator_id,), group in lines.group_by("formula", maintain_order=True):
        calculator = get_calculator(str(calculator_id))
        for slot in calculator.slots:
            where = LINE_INPUTS[slot.line_column]
            if where.tier is None:
                continue
            unnamed = group.filter(
                pl.col(slot.line_column).is_not_null()
                & pl.col(where.tier).is_in([tier.value for tier in RULES])
                & (pl.col(where.ref).is_null() | (pl.col(where.ref).str.strip_chars() == ""))
            )
            for source, row, tier in unnamed.select("source", "input_row", where.tier).iter_rows():
                problems.append(
                    InputProblem(
                        source_file,
                        f"{slot.name_en} ({slot.symbol}): {RULES[Tier(tier)]}",
                        sheet=tables.get(str(source)),
                        row=row,
                        field=slot.evidence_column,
                    )
                )
    return problems
