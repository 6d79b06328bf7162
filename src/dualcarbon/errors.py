"""Error classes of dualcarbon.

One base class, :class:`DualcarbonError`. Each error also inherits the builtin it refines, carries
structured fields, and builds its message from them, so that a caller can both catch it the usual
way and show the user which file, row, field and rule were involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath


class DualcarbonError(Exception):
    """Base of every error raised on purpose by dualcarbon."""


class UnknownUnitError(DualcarbonError, ValueError):
    def __init__(self, unit: str) -> None:
        self.unit = unit
        super().__init__(f"unknown unit {unit!r}")


class UnitMismatchError(DualcarbonError, ValueError):
    """A quantity came in a unit of the wrong kind (t where GJ is required)."""

    def __init__(self, quantity: str, given: str, expected: str) -> None:
        self.quantity = quantity
        self.given = given
        self.expected = expected
        super().__init__(
            f"{quantity}: unit {given!r} cannot be converted to {expected!r} "
            "(different kinds of quantity)"
        )


class FactorNotFoundError(DualcarbonError, LookupError):
    def __init__(
        self,
        factor_id: str | None = None,
        *,
        kind: str | None = None,
        subject: str | None = None,
        source: str | None = None,
        region: str | None = None,
        year: int | None = None,
        tried: Sequence[str] = (),
    ) -> None:
        self.factor_id = factor_id
        self.kind = kind
        self.subject = subject
        self.source = source
        self.region = region
        self.year = year
        self.tried = tuple(tried)
        wanted = factor_id or ", ".join(
            f"{name}={value}"
            for name, value in (
                ("kind", kind),
                ("subject", subject),
                ("source", source),
                ("region", region),
                ("year", year),
            )
            if value is not None
        )
        message = f"no factor found for {wanted}"
        if self.tried:
            message += f" (tried: {', '.join(self.tried)})"
        super().__init__(message)


class FactorDataError(DualcarbonError, ValueError):
    """A factor data file breaks the format of docs/factor-data-format.md."""

    def __init__(self, path: str, entry: str | None, rule: str) -> None:
        self.path = path
        self.entry = entry
        self.rule = rule
        where = f"{path}: {entry}" if entry else path
        super().__init__(f"{where}: {rule}")


class MethodologyNotFoundError(DualcarbonError, LookupError):
    def __init__(self, methodology_id: str, available: Sequence[str]) -> None:
        self.methodology_id = methodology_id
        self.available = tuple(available)
        super().__init__(
            f"no methodology {methodology_id!r}; available: {', '.join(self.available)}"
        )


class NotFoundError(DualcarbonError, LookupError):
    """No such thing, or none the user may see: both answer 404, so ids of other organisations'
    data cannot be probed."""

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"no {what} {key}")


def place(file: str, sheet: str | None, row: int | None, field: str | None, lang: str) -> str:
    """Where in an input something is, for a person: the file's name (not the folders of the
    machine that read it), the sheet, the row and the field, in Chinese or English."""
    parts = [PurePath(file).name or file]
    zh = lang == "zh"
    if sheet:
        parts.append(f"工作表 {sheet}" if zh else f"sheet {sheet}")
    if row is not None:
        parts.append(f"第 {row} 行" if zh else f"row {row}")
    if field:
        parts.append(f"字段 {field}" if zh else f"field {field}")
    return ("，" if zh else ", ").join(parts)


@dataclass(frozen=True)
class InputProblem:
    """One rule broken by one cell or field of an input file.

    ``rule`` is English (what programs read); ``rule_zh`` its Chinese where the code that found
    it words it (it names a slot in Chinese), else the translation catalogue gives it
    (:mod:`dualcarbon.translations`).
    """

    file: str
    rule: str
    field: str | None = None
    sheet: str | None = None
    row: int | None = None
    value: object = None
    rule_zh: str | None = None

    def chinese(self) -> str:
        """The rule in Chinese (in English when no translation is known)."""
        if self.rule_zh:
            return self.rule_zh
        from dualcarbon.translations import rule_zh

        return rule_zh(self.rule) or self.rule

    def message(self, lang: str) -> str:
        """Where and what, for a person: the place (:func:`place`), the rule and the value."""
        where = place(self.file, self.sheet, self.row, self.field, lang)
        if lang != "zh":
            shown = "" if self.value is None else f" (got {self.value!r})"
            return f"{where}: {self.rule}{shown}"
        shown = "" if self.value is None else f"（填写的值：{self.value!r}）"
        return f"{where}：{self.chinese()}{shown}"

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{', '.join(where)}: {self.rule}{shown}"


class InputError(DualcarbonError, ValueError):
    """An input file was rejected; nothing from it was used or stored.

    Carries every problem found, not only the first, so a user can fix a file in one pass.
    """

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in input:\n{lines}")


class AlreadyStoredError(DualcarbonError, ValueError):
    """The same inventory is stored already for its organisation, facility and year: submitting
    it again would count it twice (a changed file is a correction, submitted as one)."""

    def __init__(self, inventory_id: int, source: str) -> None:
        self.inventory_id = inventory_id
        self.source = source
        super().__init__(
            f"该清单已保存（清单编号 {inventory_id}，{source}），未重复保存；如需修改请提交更正 / "
            f"this inventory is stored already (inventory {inventory_id}, {source}); nothing was "
            "stored again. To change it, submit a corrected inventory"
        )


class StoreError(DualcarbonError, RuntimeError):
    """The store refused an operation (for example changing a stored result)."""


class NoDataError(DualcarbonError, FileNotFoundError):
    """A run found nothing to work on (no CEMS minute data under its folder)."""

    def __init__(self, where: str, rule: str, rule_zh: str) -> None:
        self.where = where
        self.rule = rule
        self.rule_zh = rule_zh
        super().__init__(f"{where}: {rule}")


class RefusedError(DualcarbonError, ValueError):
    """A request refused for a reason worded in both languages; the terminal shows the user's."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


class ClaimRefusedError(RefusedError):
    """A claim the registry refuses: a monitoring period overlapping one claimed already, a
    plant-month of electricity claimed under another scheme, a period issued already."""
