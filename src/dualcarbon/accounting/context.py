"""What one accounting run carries, and the pieces every line of every source shares."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import polars as pl

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.validate import check_table, problems_where
from dualcarbon.errors import (
    DualcarbonError,
    FactorNotFoundError,
    InputProblem,
    UnitMismatchError,
)
from dualcarbon.factors.catalogue import FactorCatalogue
from dualcarbon.factors.model import Factor
from dualcarbon.methodologies.definition import Methodology, SourceRule
from dualcarbon.units import conversion_factor, same_dimension


class RunContext:
    """What one run needs: the inventory, the methodology, the factors, and what they used."""

    def __init__(
        self, inventory: Inventory, methodology: Methodology, catalogue: FactorCatalogue
    ) -> None:
        self.inventory = inventory
        self.methodology = methodology
        self.catalogue = catalogue
        self.problems: list[InputProblem] = []
        self.factors_used: dict[str, Factor] = {}
        self._checked: dict[str, pl.DataFrame] = {}

    def table(self, name: str) -> pl.DataFrame:
        """The inventory table with defaults filled, checked once per run.

        Tables shared by several sources (electricity serves purchased and exported) are checked
        the first time they are asked for, so a bad row is reported once.
        """
        if name not in self._checked:
            frame, problems = check_table(self.inventory, name)
            self.problems += problems
            self._checked[name] = frame
        return self._checked[name]

    def factor(self, key: str) -> Factor:
        factor = self.catalogue.get(key)
        self.factors_used[factor.ref] = factor
        return factor

    def gwp_map(self, gases: Iterable[str]) -> dict[str, tuple[float, str]]:
        """GWP [tCO2e/t] and factor ref of each gas in the methodology's GWP set (CO2 is 1 and
        names nothing); a gas the set lacks is left out, for the caller to report."""
        found: dict[str, tuple[float, str]] = {"CO2": (1.0, "")}
        for gas in set(gases) - {"CO2"}:
            if self.methodology.gwp_set is None:
                continue
            try:
                factor = self.factor(f"{self.methodology.gwp_set}/gwp/{gas}")
            except FactorNotFoundError:
                continue
            found[gas] = (factor.value * conversion_factor(factor.unit, "tCO2e/t"), factor.ref)
        return found

    def converted(
        self,
        table: str,
        frame: pl.DataFrame,
        unit_column: str,
        target: Callable[[pl.DataFrame], pl.Expr] | str,
        value_field: str,
        *,
        dimensionless_as: str | None = None,
    ) -> pl.Expr:
        """Multiplier column taking ``unit_column`` to the target unit, row by row.

        Units are parsed once per distinct (unit, target) pair. A unit of the wrong kind becomes a
        problem naming every row that used it, never a silently wrong number.
        """
        target_expr = target(frame) if callable(target) else pl.lit(target)
        # Only rows that carry a value are checked: an empty cell's default unit is irrelevant.
        pairs = (
            frame.filter(pl.col(value_field).is_not_null())
            .select(pl.col(unit_column).alias("_from"), target_expr.alias("_to"))
            .unique()
        )
        factors: dict[tuple[str, str], float] = {}
        for unit_from, unit_to in pairs.iter_rows():
            if unit_from is None or unit_to is None:
                continue
            try:
                if dimensionless_as and same_dimension(unit_from, "dimensionless"):
                    factors[(unit_from, unit_to)] = conversion_factor(
                        unit_from, "dimensionless"
                    ) * conversion_factor(dimensionless_as, unit_to)
                else:
                    factors[(unit_from, unit_to)] = conversion_factor(
                        unit_from, unit_to, quantity_name=value_field
                    )
            except DualcarbonError as exc:
                mask = (
                    (pl.col(unit_column) == unit_from)
                    & (target_expr == unit_to)
                    & pl.col(value_field).is_not_null()
                )
                rule = (
                    f"unit {unit_from!r} is not a unit of {value_field} (expected {unit_to})"
                    if isinstance(exc, UnitMismatchError)
                    else str(exc)
                )
                self.problems += problems_where(
                    self.inventory, table, frame, mask, unit_column, rule
                )
        lookup = pl.DataFrame(
            {
                "_from": [k[0] for k in factors],
                "_to": [k[1] for k in factors],
                "_factor": list(factors.values()),
            },
            schema={"_from": pl.String, "_to": pl.String, "_factor": pl.Float64},
        )
        keys = pl.concat_str([pl.col(unit_column), target_expr], separator="\x1f")
        mapping = dict(
            zip(
                (f"{a}\x1f{b}" for a, b in zip(lookup["_from"], lookup["_to"], strict=True)),
                lookup["_factor"],
                strict=True,
            )
        )
        return keys.replace_strict(mapping, default=None, return_dtype=pl.Float64)


def line_head(
    source: SourceRule, item: pl.Expr, item_zh: pl.Expr, gas: pl.Expr, formula: str
) -> list[pl.Expr]:
    """The columns that say where a line is and what it is: place, source, item, gas, formula."""
    return [
        pl.col("facility"),
        pl.col("unit"),
        pl.col("month"),
        pl.lit(source.kind).alias("source"),
        item.alias("item"),
        item_zh.alias("item_zh"),
        gas.alias("gas"),
        pl.lit(formula).alias("formula"),
    ]


def mpe_uncertainty(value: str, mpe_percent: str) -> list[pl.Expr]:
    """u of a metered amount from its meter's maximum permissible error (±MPE %).

    Rectangular, u = MPE·|x|/√3 (JCGM 100 4.3.7); no MPE given means no uncertainty known.
    """
    return [
        (pl.col(value).abs() * pl.col(mpe_percent) / 100.0 / math.sqrt(3.0)).alias("activity_u"),
        pl.when(pl.col(mpe_percent).is_not_null())
        .then(pl.lit("rectangular"))
        .otherwise(None)
        .alias("activity_distribution"),
    ]


def source_columns(source: SourceRule) -> list[pl.Expr]:
    """The columns every line of one source shares: sign, whether counted, clause."""
    return [
        pl.lit(source.sign).alias("sign"),
        pl.lit(not source.reported_separately).alias("counted"),
        pl.lit(source.clause).alias("clause"),
    ]


def explained(zh: str, en: str, *values: pl.Expr) -> list[pl.Expr]:
    """The line's sentence in Chinese and English, from one set of values."""
    return [
        pl.format(zh, *values).alias("explanation_zh"),
        pl.format(en, *values).alias("explanation_en"),
    ]


def fmt(column: str, digits: int) -> pl.Expr:
    return pl.col(column).round(digits).cast(pl.String)
