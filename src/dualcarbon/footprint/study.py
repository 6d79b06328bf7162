"""What a carbon footprint study says about itself, beyond the product system: who commissioned
and who did it, what it is for, and how it was reviewed (GB/T 24067-2024 / ISO 14067:2018,
clause 7: the CFP study report)."""

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
