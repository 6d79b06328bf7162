"""The problems of a product system: where they are reported (a file, ``process <id>``, an
exchange number, a field) and the small tests the model's rules share."""

from __future__ import annotations

from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.units import parse_unit

HERE = "input"
"""``file`` of the problems a model raises; :func:`validate_product_system` names the source."""


def problem(
    rule: str,
    field: str | None = None,
    value: object = None,
    *,
    sheet: str | None = None,
    row: int | None = None,
) -> InputProblem:
    return InputProblem(HERE, rule, field=field, sheet=sheet, row=row, value=value)


def raise_if(problems: list[InputProblem]) -> None:
    if problems:
        raise InputError(problems)


def unit_parses(unit: str) -> bool:
    try:
        parse_unit(unit)
    except DualcarbonError:
        return False
    return True


def blank(text: str | None) -> bool:
    return text is None or not text.strip()


def process_sheet(process_id: str) -> str:
    return f"process {process_id}"
