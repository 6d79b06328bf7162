"""Findings on an inventory's figures: what looks wrong, how sure that is, and who said it is right.

A finding is one rule of plausibility or completeness (:mod:`dualcarbon.accounting.plausibility`)
that a figure of an inventory breaks: a code, a severity, the rule in Chinese and English, where
the rule comes from, and the file, sheet, row and field. Severities:

- ``error``: the figure cannot be right (a supply coal rate below 100 % efficiency); nothing is
  computed or stored until the file is corrected;
- ``warning``: unusual enough that someone must say it is right (``--accept CODE[:KEY]`` on the
  command line, a checkbox on the upload page); the acknowledgement, who gave it, why and when go
  into the result, whose digest the evidence log keeps;
- ``note``: worth a reader's eye (months a unit did not report at the ends of the year); kept in
  the result, nothing to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from dualcarbon.errors import DualcarbonError, place
from dualcarbon.i18n import Lang, pick


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    def label(self, lang: Lang) -> str:
        return pick(lang, _SEVERITY_ZH[self], self.value)


_SEVERITY_ZH = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.NOTE: "提示"}


@dataclass(frozen=True)
class Acceptance:
    """A person's word that warnings are right: ``code`` and, optionally, the ``key`` of one
    finding (its sheet row, or the unit it is about); without a key, every finding of the code."""

    code: str
    key: str | None
    by: str
    reason: str
    at: dt.datetime

    @classmethod
    def parse(cls, spec: str, *, by: str, reason: str, at: dt.datetime | None = None) -> Acceptance:
        """``CODE`` or ``CODE:KEY``, as ``--accept`` takes it."""
        code, _, key = spec.strip().partition(":")
        if not code:
            raise DualcarbonError(f"--accept {spec!r}: give a finding's code, e.g. month_jump:14")
        return cls(
            code=code.strip(),
            key=key.strip() or None,
            by=by,
            reason=reason,
            at=(at or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        )

    def covers(self, finding: Finding) -> bool:
        return finding.code == self.code and self.key in (None, finding.key)

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "reason": self.reason, "at": self.at.isoformat()}

    def describe(self, lang: Lang) -> str:
        """Who acknowledged, when and why, as the pages and the report show it."""
        at = f"{self.at:%Y-%m-%d %H:%M} UTC"
        return pick(
            lang,
            f"已由 {self.by} 于 {at} 确认：{self.reason}",
            f"acknowledged by {self.by} at {at}: {self.reason}",
        )

    @classmethod
    def from_json(cls, finding: Mapping[str, Any], given: Mapping[str, Any]) -> Acceptance:
        return cls(
            code=finding["code"],
            key=finding["key"],
            by=given["by"],
            reason=given["reason"],
            at=dt.datetime.fromisoformat(given["at"]),
        )


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    rule_zh: str
    rule_en: str
    basis: str
    """Where the rule or its limits come from (a clause, a physical bound, a statistic)."""
    file: str
    sheet: str | None = None
    row: int | None = None
    field: str | None = None
    value: object = None
    key: str = ""
    """What ``--accept CODE:KEY`` names: the sheet row, or the unit the finding is about."""
    accepted: Acceptance | None = None

    @property
    def open(self) -> bool:
        """Whether it stops the run: an error, or a warning nobody has acknowledged."""
        return self.severity is Severity.ERROR or (
            self.severity is Severity.WARNING and self.accepted is None
        )

    def where(self, lang: Lang) -> str:
        return place(self.file, self.sheet, self.row, self.field, lang)

    def message(self, lang: Lang) -> str:
        accept = (
            pick(
                lang,
                f"（确认：--accept {self.code}:{self.key}）",
                f" (accept: --accept {self.code}:{self.key})",
            )
            if self.severity is Severity.WARNING and self.accepted is None
            else ""
        )
        return (
            f"[{self.severity.label(lang)} {self.code}] {self.where(lang)}{pick(lang, '：', ': ')}"
            f"{pick(lang, self.rule_zh, self.rule_en)}{accept}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "rule_zh": self.rule_zh,
            "rule_en": self.rule_en,
            "basis": self.basis,
            "file": PurePath(self.file).name or self.file,
            "sheet": self.sheet,
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "key": self.key,
            "accepted": None if self.accepted is None else self.accepted.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        """A finding as a stored result's JSON export holds it."""
        given = data.get("accepted")
        return cls(
            code=data["code"],
            severity=Severity(data["severity"]),
            rule_zh=data["rule_zh"],
            rule_en=data["rule_en"],
            basis=data["basis"],
            file=data["file"],
            sheet=data.get("sheet"),
            row=data.get("row"),
            field=data.get("field"),
            value=data.get("value"),
            key=data.get("key", ""),
            accepted=None if given is None else Acceptance.from_json(data, given),
        )


def not_checked(file: str) -> Finding:
    """The note a result computed without the plausibility checks carries."""
    return Finding(
        code="not_checked",
        severity=Severity.NOTE,
        rule_zh="未做合理性与完整性检查（仅用于算法测试），结果不可用于报告",
        rule_en="plausibility and completeness were not checked (arithmetic tests only); the "
        "result is not for reporting",
        basis="dualcarbon.accounting.engine.account(plausibility=False)",
        file=file,
    )


def acknowledge(findings: Iterable[Finding], acceptances: Sequence[Acceptance]) -> list[Finding]:
    """Each warning an acceptance covers, marked with it (errors and notes are not accepted: an
    error is corrected in the file, a note needs nothing)."""
    marked = []
    for finding in findings:
        if finding.severity is Severity.WARNING:
            given = next((a for a in acceptances if a.covers(finding)), None)
            if given is not None:
                finding = replace(finding, accepted=given)
        marked.append(finding)
    return marked


def unused(findings: Sequence[Finding], acceptances: Sequence[Acceptance]) -> list[Acceptance]:
    """Acceptances that cover no warning: a mistyped code must not pass in silence."""
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    return [a for a in acceptances if not any(a.covers(f) for f in warnings)]


class FindingsError(DualcarbonError, ValueError):
    """The inventory has errors, or warnings nobody has acknowledged: nothing was computed into a
    result or stored. ``findings`` holds all of them, open and not."""

    def __init__(self, findings: Sequence[Finding], unused: Sequence[Acceptance] = ()) -> None:
        self.findings = tuple(findings)
        self.unused = tuple(unused)
        self.open = tuple(f for f in self.findings if f.open)
        lines = "\n".join(f"  - {f.message('en')}" for f in self.open)
        lines += "".join(
            f"\n  - --accept {a.code}{':' + a.key if a.key else ''} matches no warning"
            for a in self.unused
        )
        super().__init__(
            f"{len(self.open)} finding(s) to correct or acknowledge in the input:\n{lines}"
        )

    def messages(self, lang: Lang) -> list[str]:
        shown = [f.message(lang) for f in self.open]
        for a in self.unused:
            spec = f"{a.code}:{a.key}" if a.key else a.code
            shown.append(
                pick(
                    lang,
                    f"--accept {spec} 没有对应的警告（代码或行号有误？）",
                    f"--accept {spec} matches no warning (wrong code or row?)",
                )
            )
        return shown
