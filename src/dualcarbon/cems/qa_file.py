"""A QA campaign as a YAML file: the analyser, the period and each test's data, read into a
:class:`~dualcarbon.cems.qa.QaRecord` (``dualcarbon cems qa FILE --html``)::

    source: DEMO-#1
    analyser: NDIR CO2 0–20 % vol
    period: 2024-Q2
    tests:
      - {test: rata, criterion: part75-co2, label: CO2, reference: [12.61, …], cems: [12.50, …]}
      - {test: drift, kind: zero, start: 0.02, end: 0.21, full_scale: 20}
      - {test: calibration_error, reference: 16.0, response: 15.82, span: 20}
      - {test: linearity, reference: 5.0, responses: [4.96, 4.98, 4.95]}
      - {test: velocity, reference: [14.2, …], cems: [14.9, …]}

Reading is all-or-nothing: every problem is named with the file, ``tests`` as the sheet, the
test's number (from 1) as the row, and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from dualcarbon.cems.qa import (
    CALIBRATION_CRITERIA,
    CRITERIA,
    DRIFT_CRITERIA,
    QaInputError,
    QaRecord,
    Verdict,
    assess_calibration_error,
    assess_drift,
    assess_linearity,
    assess_rata,
    assess_velocity,
)
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping


class _Test(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = ""


class Rata(_Test):
    test: Literal["rata"]
    criterion: str = "part75-co2"
    reference: list[float] = Field(min_length=2)
    cems: list[float] = Field(min_length=2)


class Drift(_Test):
    test: Literal["drift"]
    kind: Literal["zero", "span"]
    start: float
    end: float
    full_scale: float = Field(gt=0)
    criterion: str = "hj75-gas-drift"


class CalibrationError(_Test):
    test: Literal["calibration_error"]
    reference: float
    response: float
    span: float = Field(gt=0)
    criterion: str = "part75-co2-daily-calibration"


class Linearity(_Test):
    test: Literal["linearity"]
    reference: float = Field(gt=0)
    responses: list[float] = Field(min_length=1)
    criterion: str = "part75-co2-linearity"


class Velocity(_Test):
    test: Literal["velocity"]
    reference: list[float] = Field(min_length=1)
    cems: list[float] = Field(min_length=1)


QaTest = Annotated[
    Rata | Drift | CalibrationError | Linearity | Velocity, Field(discriminator="test")
]
_TESTS = TypeAdapter(list[QaTest])

_CRITERIA: dict[str, Mapping[str, object]] = {
    "rata": CRITERIA,
    "drift": DRIFT_CRITERIA,
    "calibration_error": CALIBRATION_CRITERIA,
    "linearity": CALIBRATION_CRITERIA,
}


def _verdict(test: QaTest) -> Verdict:
    if isinstance(test, Rata):
        return assess_rata(test.reference, test.cems, test.criterion, label=test.label)
    if isinstance(test, Drift):
        return assess_drift(
            test.start,
            test.end,
            test.full_scale,
            kind=test.kind,
            criterion=test.criterion,
            label=test.label,
        )
    if isinstance(test, CalibrationError):
        return assess_calibration_error(
            test.reference, test.response, test.span, criterion=test.criterion, label=test.label
        )
    if isinstance(test, Linearity):
        return assess_linearity(
            test.reference, test.responses, criterion=test.criterion, label=test.label
        )
    return assess_velocity(test.reference, test.cems, label=test.label)


def read_qa_campaign(path: Path) -> QaRecord:
    """The QA campaign in the YAML file at ``path``, assessed; or an InputError naming every
    problem (nothing assessed then)."""
    file = str(path)
    raw = read_yaml_mapping(path, what="a QA campaign (a mapping)")
    problems: list[InputProblem] = []
    for key in ("source", "analyser", "period"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            problems.append(InputProblem(file, "give it as text", field=key))
    unknown = sorted(set(raw) - {"source", "analyser", "period", "tests", "notes"})
    problems += [InputProblem(file, "not a field of a QA campaign", field=k) for k in unknown]
    tests: list[Any] = []
    try:
        tests = _TESTS.validate_python(raw.get("tests"))
    except ValidationError as exc:
        for error in exc.errors():
            location = list(error["loc"])
            first = location.pop(0) if location and isinstance(location[0], int) else None
            row = None if first is None else int(first) + 1
            fields = [str(p) for p in location if p not in ("rata", "drift", "velocity")]
            problems.append(
                InputProblem(
                    file,
                    str(error["msg"]),
                    sheet="tests",
                    row=row,
                    field=".".join(fields) or "tests",
                )
            )
    verdicts: list[Verdict] = []
    for index, test in enumerate(tests):
        table = _CRITERIA.get(test.test)
        criterion = getattr(test, "criterion", None)
        if table is not None and criterion not in table:
            problems.append(
                InputProblem(
                    file,
                    f"unknown criterion (known: {', '.join(table)})",
                    sheet="tests",
                    row=index + 1,
                    field="criterion",
                    value=criterion,
                )
            )
            continue
        try:
            verdicts.append(_verdict(test))
        except QaInputError as exc:
            problems.append(InputProblem(file, str(exc), sheet="tests", row=index + 1))
    if problems:
        raise InputError(problems)
    notes = raw.get("notes") or []
    return QaRecord(
        source=raw["source"],
        analyser=raw["analyser"],
        period=raw["period"],
        verdicts=tuple(verdicts),
        notes=tuple(str(n) for n in notes),
    )
