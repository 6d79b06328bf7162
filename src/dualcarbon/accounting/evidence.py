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

from dualcarbon.accounting.inputs import LINE_INPUTS
from dualcarbon.datum import Tier
from dualcarbon.errors import InputProblem
from dualcarbon.methodologies.definition import Methodology
from dualcarbon.methodologies.registry import Slot, get_calculator

CALCULATED_RULE = "a calculated or supplied value names its calculation or document"
"""The rule for a value typed in a sector table with any other tier: every typed value there
names where it comes from (the equation evaluator applies it)."""

CALCULATED_RULE_ZH = "计算值或供应商提供的值须写明计算过程或文件"

RULES = {
    Tier.MEASURED: "a measured value names its instrument or meter record",
    Tier.LAB: "a laboratory value names its analysis report",
    Tier.DEFAULT: "a default names its source and clause (e.g. GB/T 32151.8 附录B 表B.1)",
}
RULES_ZH = {
    Tier.MEASURED: "实测值须写明计量器具或计量记录",
    Tier.LAB: "化验值须写明检测报告",
    Tier.DEFAULT: "缺省值须写明来源和条款（如 GB/T 32151.8 附录B 表B.1）",
}


def unnamed_evidence(
    lines: pl.DataFrame, methodology: Methodology, source_file: str
) -> list[InputProblem]:
    """A problem for every input of every line that claims a tier without naming its evidence.

    Reads the line columns of each slot (:data:`~dualcarbon.accounting.inputs.LINE_INPUTS`)
    and builds rows only for what breaks a rule: on 480,000 lines the full inputs table would
    cost more than the accounting itself (benchmarks/accounting.py)."""
    tables = {source.kind: source.table_name for source in methodology.sources}
    claims = [tier.value for tier in RULES]
    checks: list[tuple[Slot, str, pl.Expr]] = []
    for calculator_id in lines["formula"].unique().to_list():
        for slot in get_calculator(str(calculator_id)).slots:
            if slot.line_column is None:  # the equation evaluator enforced the rules itself
                continue
            where = LINE_INPUTS[slot.line_column]
            if where.tier is None:  # always a catalogue default, which names itself
                continue
            reference = pl.col(where.ref)
            unnamed = (
                (pl.col("formula") == calculator_id)
                & pl.col(slot.line_column).is_not_null()
                & pl.col(where.tier).is_in(claims)
                & (reference.is_null() | (reference.str.strip_chars() == ""))
            )
            checks.append((slot, where.tier, unnamed))
    if not checks:
        return []
    # one pass over the lines, then only the few that break a rule (no copy of the whole table)
    flagged = lines.select(
        "line",
        "source",
        "input_row",
        *(check.alias(f"_{i}") for i, (_, _, check) in enumerate(checks)),
        *{tier for _, tier, _ in checks},
    ).filter(pl.any_horizontal(f"_{i}" for i in range(len(checks))))
    problems: list[InputProblem] = []
    for i, (slot, tier_column, _) in enumerate(checks):
        for source, row, tier in (
            flagged.filter(pl.col(f"_{i}")).select("source", "input_row", tier_column).iter_rows()
        ):
            problems.append(
                InputProblem(
                    source_file,
                    f"{slot.name_en} ({slot.symbol}): {RULES[Tier(tier)]}",
                    sheet=tables.get(source),
                    row=row,
                    field=slot.evidence_column,
                    rule_zh=f"{slot.name_zh}（{slot.symbol}）：{RULES_ZH[Tier(tier)]}",
                )
            )
    return problems
