"""Whether a project may claim reductions for its monitoring period: the methodology applies to
it, and the period sits inside a crediting period the methodology allows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dualcarbon.errors import InputProblem
from dualcarbon.methodologies.project_rules import Applicability, Fact, ProjectRules
from dualcarbon.metrology.calibration import add_months
from dualcarbon.projects.model import Period, ProjectHeader

LONGEST_PERIOD_MONTHS = 120
"""A monitoring report covers at most ten years: a CCER crediting period is at most ten years
(CCER-01-001/002-V01 5.2), and a storage chain reports yearly; a longer period is a typing
mistake (and would list thousands of months)."""


@dataclass(frozen=True)
class ClauseOutcome:
    """One applicability clause as checked: met or not, with the facts it read."""

    clause: str
    rule_zh: str
    rule_en: str
    met: bool
    shown_zh: str
    shown_en: str


def applicability(
    header: ProjectHeader, rules: ProjectRules, source: str
) -> tuple[list[ClauseOutcome], list[InputProblem]]:
    """Each clause's outcome; a problem for a fact missing or of the wrong kind, and for every
    clause the project does not meet (naming the clause and the facts as declared)."""
    outcomes: list[ClauseOutcome] = []
    problems: list[InputProblem] = []
    declared = set(header.facts)
    for unknown in sorted(declared - {fact.name for fact in rules.facts}):
        problems.append(
            InputProblem(
                source,
                f"{rules.name_en} declares no fact {unknown!r} "
                f"(known: {', '.join(f.name for f in rules.facts)})",
                field=f"facts.{unknown}",
                sheet="project",
            )
        )
    for clause in rules.applicability:
        outcome, missing = _clause(header, rules, clause)
        for fact in missing:
            problems.append(
                InputProblem(
                    source,
                    f"{clause.clause} is checked on {fact.label_en}"
                    + (f" [{fact.unit}]" if fact.unit else "")
                    + (f": declare it (evidence: {fact.evidence_zh})" if fact.evidence_zh else ""),
                    field=f"facts.{fact.name}",
                    sheet="project",
                    rule_zh=f"{clause.clause} 依据{fact.label_zh}"
                    + (f"（{fact.unit}）" if fact.unit else "")
                    + "判断，请填写"
                    + (f"（证据：{fact.evidence_zh}）" if fact.evidence_zh else ""),
                )
            )
        if outcome is None:
            continue
        outcomes.append(outcome)
        if not outcome.met:
            problems.append(
                InputProblem(
                    source,
                    f"not applicable: {clause.clause} requires {clause.rule_en}; "
                    f"declared {outcome.shown_en}",
                    field="facts",
                    sheet="project",
                    rule_zh=f"不适用：{clause.clause} 要求{clause.rule_zh}；"
                    f"项目申报 {outcome.shown_zh}",
                )
            )
    return outcomes, problems


def _clause(
    header: ProjectHeader, rules: ProjectRules, clause: Applicability
) -> tuple[ClauseOutcome | None, list[Fact]]:
    missing: list[Fact] = []
    met = False
    shown_zh, shown_en = [], []
    for condition in clause.any_of:
        fact = rules.fact(condition.fact)
        value = header.facts.get(fact.name)
        if value is None or isinstance(value, bool) != (fact.type == "yes_no"):
            missing.append(fact)
            continue
        holds = condition.holds(value)
        met = met or holds
        number = value if isinstance(value, bool) else f"{value:g}"
        unit = f" {fact.unit}" if fact.unit and not isinstance(value, bool) else ""
        shown_zh.append(f"{fact.label_zh} {_yes_no(number, 'zh')}{unit}")
        shown_en.append(f"{fact.label_en} {_yes_no(number, 'en')}{unit}")
    if missing and not met:
        return None, missing
    return (
        ClauseOutcome(
            clause.clause,
            clause.rule_zh,
            clause.rule_en,
            met,
            "，".join(shown_zh),
            ", ".join(shown_en),
        ),
        [],
    )


def _yes_no(value: object, lang: str) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    return str(value)


def _month_bounds(monitored: Period, credit: Period | None, source: str) -> list[InputProblem]:
    """A period starts on a month's first day and ends on its last, the records being monthly,
    except where it starts or ends with the crediting period: a month cannot be split between
    two periods (each claims its months of electricity whole)."""
    found = []
    starts_credit = credit is not None and monitored.start == credit.start
    if monitored.start.day != 1 and not starts_credit:
        found.append(
            (
                "monitoring_period.start",
                str(monitored.start),
                "start on a month's first day",
                "须从某月 1 日开始",
            )
        )
    next_day = monitored.end + dt.timedelta(days=1)
    ends_credit = credit is not None and monitored.end == credit.end
    if next_day.day != 1 and not ends_credit:
        found.append(
            (
                "monitoring_period.end",
                str(monitored.end),
                "end on a month's last day",
                "须在某月最后一日结束",
            )
        )
    return [
        InputProblem(
            source,
            f"a monitoring period must {rule} (its records are monthly, and a month is not "
            "split between periods), unless it starts or ends with the crediting period",
            field=field,
            sheet="project",
            value=value,
            rule_zh=f"监测期{rule_zh}（数据按月记录，一个月不能分属两个监测期），与计入期起止相同者除外",
        )
        for field, value, rule, rule_zh in found
    ]


def periods(header: ProjectHeader, rules: ProjectRules, source: str) -> list[InputProblem]:
    """The crediting period within the methodology's maximum and after the earliest eligible
    day; the monitoring period inside the crediting period, and after grid connection."""
    problems = []
    credit, monitored = header.crediting_period, header.monitoring_period
    if len(monitored.months()) > LONGEST_PERIOD_MONTHS:
        problems.append(
            InputProblem(
                source,
                f"a monitoring period covers at most {LONGEST_PERIOD_MONTHS // 12} years "
                f"(this one {monitored})",
                field="monitoring_period",
                sheet="project",
                rule_zh=f"一个监测期最长 {LONGEST_PERIOD_MONTHS // 12} 年（本监测期 {monitored}）",
            )
        )
        return problems
    problems += _month_bounds(monitored, credit, source)
    if rules.period_within_year and monitored.start.year != monitored.end.year:
        problems.append(
            InputProblem(
                source,
                f"the monitoring period {monitored} lies inside one calendar year for this "
                "methodology (reported yearly; each year's grid factor)",
                field="monitoring_period",
                sheet="project",
                rule_zh=f"本方法学的监测期须在同一日历年内（按年报告，各年电网因子不同）：{monitored}",
            )
        )
    earliest = rules.earliest_reduction
    if earliest is not None and monitored.start <= earliest:
        problems.append(
            InputProblem(
                source,
                f"reductions must arise after {earliest} ({rules.earliest_reduction_clause})",
                field="monitoring_period.start",
                sheet="project",
                value=str(monitored.start),
                rule_zh=f"减排量须产生于 {earliest} 之后（{rules.earliest_reduction_clause}）",
            )
        )
    if rules.crediting_years_max is None:
        return problems
    if credit is None:
        return [
            *problems,
            InputProblem(
                source,
                f"the crediting period is required ({rules.crediting_clause})",
                field="crediting_period",
                sheet="project",
                rule_zh=f"须填写计入期（{rules.crediting_clause}）",
            ),
        ]
    longest = add_months(credit.start, 12 * rules.crediting_years_max)
    if credit.end >= longest:
        problems.append(
            InputProblem(
                source,
                f"the crediting period {credit} is longer than {rules.crediting_years_max} years "
                f"({rules.crediting_clause}): it ends before {longest}",
                field="crediting_period.end",
                sheet="project",
                value=str(credit.end),
                rule_zh=f"计入期 {credit} 超过 {rules.crediting_years_max} 年"
                f"（{rules.crediting_clause}）：应在 {longest} 之前结束",
            )
        )
    if not credit.contains(monitored):
        problems.append(
            InputProblem(
                source,
                f"the monitoring period {monitored} lies outside the crediting period {credit}",
                field="monitoring_period",
                sheet="project",
                rule_zh=f"监测期 {monitored} 超出计入期 {credit}",
            )
        )
    connected = header.grid_connected
    if connected is not None and credit.start < connected:
        problems.append(
            InputProblem(
                source,
                f"the crediting period starts before grid connection on {connected}: the "
                f"project's lifetime starts at connection ({rules.crediting_clause})",
                field="crediting_period.start",
                sheet="project",
                value=str(credit.start),
                rule_zh=f"计入期早于并网日期 {connected}：项目寿命期自并网之日起算"
                f"（{rules.crediting_clause}）",
            )
        )
    return problems
