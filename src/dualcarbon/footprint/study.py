"""What a carbon footprint study says about itself, beyond the product system: who commissioned
and who did it, what it is for, the choices and scenarios behind it, and how it was reviewed
(GB/T 24067-2024 / ISO 14067:2018, clause 7: the CFP study report).

Every field is optional. The study report (:mod:`dualcarbon.reports.footprint_report`) prints an
empty field as a visible "not stated" marker instead of inventing a value, so a reader sees what
the study leaves open.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class StudyInfo(BaseModel):
    """The study's own facts, printed in its report (every field optional: a report lists what
    is missing rather than inventing it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    commissioner: str = Field(default="", description="委托方: who asked for the study")
    practitioner: str = Field(default="", description="实施方: who carried it out")
    report_date: dt.date | None = None
    version: str = ""
    intended_application: str = Field(default="", description="预期用途")
    intended_audience: str = Field(default="", description="目标受众")
    pcr: str = Field(default="", description="CFP-PCR or product category rule used, if any")
    critical_review: str = Field(default="", description="鉴定性评审: by whom, to which standard")
    assumptions: tuple[str, ...] = ()
    limitations: tuple[str, ...] = ()
    capital_goods: str = Field(
        default="", description="资本货物: whether included, and why (ISO 14067 6.3.4)"
    )
    data_collection: str = Field(
        default="", description="数据收集: how, where and when the primary data were collected"
    )
    missing_data: str = Field(default="", description="缺失数据的处理: how data gaps were filled")
    scenarios: tuple[str, ...] = Field(
        default=(), description="使用阶段与生命末期情景: use profile and end-of-life scenarios"
    )
    value_choices: tuple[str, ...] = Field(
        default=(), description="价值选择: value choices made, each with its justification"
    )
    sensitivity: tuple[str, ...] = Field(
        default=(), description="敏感性分析: findings of the study's own sensitivity checks"
    )
    conclusions: tuple[str, ...] = Field(default=(), description="结论")
