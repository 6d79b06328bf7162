"""Evidence for inventories built in tests about other things (issue 13: every measured, lab or
typed-default value names its evidence, ``dualcarbon.accounting.evidence``). Tests of that rule
itself build their tables by hand; the rest pass theirs through :func:`with_evidence` or start
from :func:`coal_months`."""

from __future__ import annotations

import polars as pl

EVIDENCE = {
    "fuel": {
        "consumption_ref": "consumption",
        "ncv_ref": "ncv",
        "carbon_content_ref": "carbon_content",
    },
    "electricity": {"amount_ref": "amount"},
    "heat": {"amount_ref": "amount"},
    "process": {"activity_ref": "activity", "emission_factor_ref": "emission_factor"},
    "recovered": {"volume_ref": "volume", "purity_ref": "purity"},
}
"""Per table: evidence column → the value column it names evidence for."""


def with_evidence(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a record named for every value that has none (``测试凭证 <row>``)."""
    for evidence, value in EVIDENCE.get(table, {}).items():
        if value not in frame.columns:
            continue
        given = (
            pl.col(evidence).cast(pl.String)
            if evidence in frame.columns
            else pl.lit(None, pl.String)
        )
        named = pl.format("测试凭证 {}", pl.int_range(1, pl.len() + 1))
        frame = frame.with_columns(
            pl.when(pl.col(value).is_not_null() & (given.is_null() | (given == "")))
            .then(named)
            .otherwise(given)
            .alias(evidence)
        )
    return frame


def all_with_evidence(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {name: with_evidence(name, frame) for name, frame in tables.items()}


def coal_months(coal_t: float = 1000.0) -> list[dict[str, object]]:
    """Two months of coal with their evidence: January analysed (NCV and element carbon),
    February with its NCV only (the methodology's carbon default applies)."""
    return [
        {
            "month": 1,
            "fuel": "coal",
            "consumption": coal_t,
            "consumption_ref": "皮带秤 BS-101",
            "ncv": 20.5,
            "ncv_ref": "热值报告 2024-01",
            "carbon_content": 55.2,
            "carbon_content_ref": "元素碳报告 C2024-01",
        },
        {
            "month": 2,
            "fuel": "coal",
            "consumption": 900.0,
            "consumption_ref": "皮带秤 BS-101",
            "ncv": 21.0,
            "ncv_ref": "热值报告 2024-02",
        },
    ]
