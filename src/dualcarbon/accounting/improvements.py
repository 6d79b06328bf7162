"""Which measurement to improve first (issue 18, item 5).

For an accounting result, every measurement the total rests on is tried improved, one at a time,
and the expanded uncertainty of the total computed again (law of propagation, as
:mod:`dualcarbon.accounting.uncertainty` builds it):

* **a meter one accuracy class better** (``meter_class``): every reading of one instrument (or of
  one evidence, without a register) with the MPE of the next class its kind is made in
  (``metrology/classes.py``), u = MPE·|x|/√3;
* **a second accredited analysis** (``duplicate_analysis``): a series of laboratory values (one
  unit, one fuel, one parameter) each the mean of two independent results, u/√2;
* **a measurement instead of a default** (``measure_default``): the lines of a fuel whose carbon
  content comes from a default, given the carbon per unit heat the enterprise's own qualifying
  analyses of that fuel show (mean weighted by consumption) times the line's NCV, with the
  analyses' median relative u. The emissions change too: this is the second ranking, by the
  emissions difference between the default applied today and the measured value;
* **a calibration brought in date** (``calibration``): the readings of an instrument that was
  overdue or failed regain the ``measured`` tier (the uncertainty model does not change);
* **an uncertainty stated** (``state_uncertainty``): readings and analyses counted as exact because
  no u was given; their effect cannot be ranked until it is.

Inputs are independent in the model (a default shared by lines is one input), so a change of u
alone is exact from the sensitivities: u'² = u² − Σ c_k² (u_k² − u_k'²). A change of value (a
default replaced) is computed by accounting the changed lines again.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import (
    AccountingUncertainty,
    InputSensitivity,
    account_uncertainty,
)
from dualcarbon.datum import Tier
from dualcarbon.methodologies.registry import get_calculator
from dualcarbon.metrology.classes import next_better_class
from dualcarbon.metrology.register import Register

Kind = Literal[
    "meter_class", "duplicate_analysis", "measure_default", "calibration", "state_uncertainty"
]
LAB_COLUMNS = {"carbon_content": ("carbon_tier", "carbon_u"), "ncv": ("ncv_tier", "ncv_u")}
"""Line columns holding laboratory values, with their tier and u columns."""
PRODUCT_STEPS = {"input", "const", "mul", "div"}
FENCE_LINE = "all"
"""The unit of a line drawn at the fence (purchased electricity of the whole site)."""


@dataclass(frozen=True)
class Improvement:
    kind: Kind
    target: str
    """The instrument, evidence or series improved."""
    action_zh: str
    action_en: str
    lines: tuple[int, ...]
    variance_share: float
    """The share of u²(total) today from the inputs this changes."""
    U_before: float
    U_after: float
    emission_difference: float = 0.0
    """tCO2e after − before (a measured value replacing a default)."""
    tier_restored: float = 0.0
    """tCO2e whose amounts regain the measured tier."""
    basis_zh: str = ""
    basis_en: str = ""

    @property
    def U_reduction(self) -> float:  # noqa: N802
        return self.U_before - self.U_after

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["lines"] = list(self.lines)
        data["U_reduction"] = self.U_reduction
        return data


@dataclass(frozen=True)
class ImprovementRanking:
    total: float
    u: float
    k: float
    U: float
    by_uncertainty: tuple[Improvement, ...]
    """Improvements that lower U, largest fall first."""
    by_emissions: tuple[Improvement, ...]
    """Defaults replaced by measured values, largest emissions difference first."""
    calibrations: tuple[Improvement, ...]
    unstated: tuple[Improvement, ...]

    @property
    def top(self) -> Improvement | None:
        return self.by_uncertainty[0] if self.by_uncertainty else None

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "u": self.u,
            "k": self.k if math.isfinite(self.k) else None,
            "method": "gum",
            "U": self.U,
            "by_uncertainty": [i.to_json() for i in self.by_uncertainty],
            "by_emissions": [i.to_json() for i in self.by_emissions],
            "calibrations": [i.to_json() for i in self.calibrations],
            "unstated": [i.to_json() for i in self.unstated],
        }


def rank_improvements(
    result: AccountingResult,
    register: Register | None = None,
    *,
    coverage: float = 0.95,
    uncertainty: AccountingUncertainty | None = None,
) -> ImprovementRanking:
    """The ranking of ``result``'s measurements (module docstring); ``register`` gives the
    instruments' kinds and classes (else the readings' MPEs and the generic class series).
    ``uncertainty``: the result's law of propagation when the caller has it already."""
    base = (
        uncertainty
        if uncertainty is not None
        and uncertainty.method == "gum"
        and uncertainty.coverage == coverage
        else account_uncertainty(result, "gum", coverage=coverage)
    )
    lines = result.lines.filter(pl.col("counted"))
    by_line = {row["line"]: row for row in lines.iter_rows(named=True)}
    tiers = {
        (row["line"], row["slot"]): row
        for row in result.inputs.select("line", "slot", "tier", "reference").iter_rows(named=True)
    }
    own = [i for i in base.inputs if not i.factor]
    activity = [i for i in own if _is_activity(by_line.get(i.lines[0]), i.slot)]
    lab = [
        i
        for i in own
        if i not in activity
        and (tiers.get((i.lines[0], i.slot)) or {}).get("tier") == Tier.LAB.value
    ]
    defaults = sorted(
        _defaults(base, result, coverage),
        key=lambda i: abs(i.emission_difference),
        reverse=True,
    )
    improved = sorted(
        [
            *_meters(base, activity, by_line, tiers, register),
            *_analyses(base, lab, by_line, tiers),
            *(d for d in defaults if d.U_reduction > 0),
        ],
        key=lambda i: i.U_reduction,
        reverse=True,
    )
    return ImprovementRanking(
        total=base.value,
        u=base.u,
        k=base.k,
        U=base.U,
        by_uncertainty=tuple(i for i in improved if i.U_reduction > 0),
        by_emissions=tuple(defaults),
        calibrations=tuple(_calibrations(base, lines)),
        unstated=tuple(_unstated(base, lines, by_line, tiers)),
    )


def _is_activity(line: dict[str, Any] | None, slot: str) -> bool:
    return line is not None and get_calculator(line["formula"]).activity_slot.name == slot


def _after(base: AccountingUncertainty, changes: Iterable[tuple[InputSensitivity, float]]) -> float:
    """U of the total with each input's u replaced (independent inputs: exact)."""
    variance = base.u**2 - sum(i.sensitivity**2 * (i.u**2 - u_new**2) for i, u_new in changes)
    return base.k * math.sqrt(max(variance, 0.0))


def _share(base: AccountingUncertainty, inputs: Iterable[InputSensitivity]) -> float:
    return sum(i.variance for i in inputs) / base.u**2 if base.u > 0 else 0.0


Point = tuple[str, ...]
"""A measurement point: ``("instrument", id)``, else ``(source, unit, item, slot)``."""


def _points(
    entries: Iterable[InputSensitivity], by_line: dict[int, dict[str, Any]]
) -> dict[Point, list[InputSensitivity]]:
    """Inputs by the measurement they come from: a register's instrument, else one stream (a
    unit's fuel, the purchased electricity …), whatever its monthly evidence is called."""
    groups: dict[Point, list[InputSensitivity]] = {}
    for entry in entries:
        line = by_line[entry.lines[0]]
        instrument = line.get("instrument") if _is_activity(line, entry.slot) else None
        point: Point = (
            ("instrument", str(instrument))
            if instrument
            else (str(line["source"]), str(line["unit"] or ""), str(line["item"]), entry.slot)
        )
        groups.setdefault(point, []).append(entry)
    return groups


def _point_label(
    point: Point,
    entries: list[InputSensitivity],
    by_line: dict[int, dict[str, Any]],
    tiers: dict[tuple[int, str], dict[str, Any]],
) -> tuple[str, str]:
    """The point as a reader knows it: the instrument, the one evidence all its values cite, or
    the unit, the item and the parameter."""
    if point[0] == "instrument":
        return point[1], point[1]
    references = {
        str((tiers.get((e.lines[0], e.slot)) or {}).get("reference") or "") for e in entries
    }
    if len(references) == 1 and (only := references.pop()):
        return only, only
    line = by_line[entries[0].lines[0]]
    unit = f"{line['unit']} " if line["unit"] and line["unit"] != FENCE_LINE else ""
    item_zh, item = line["item_zh"] or line["item"], line["item"]
    if _is_activity(line, entries[0].slot):
        source = str(line["source"]).replace("_", " ")
        return f"{unit}{item_zh}计量", f"{unit}{item} metering ({source})"
    slot = get_calculator(line["formula"]).slot(entries[0].slot)
    return f"{unit}{item_zh}{slot.name_zh}", f"{unit}{item} {slot.name_en}"


def _meters(
    base: AccountingUncertainty,
    activity: list[InputSensitivity],
    by_line: dict[int, dict[str, Any]],
    tiers: dict[tuple[int, str], dict[str, Any]],
    register: Register | None,
) -> list[Improvement]:
    found = []
    for point, entries in _points((e for e in activity if e.u > 0), by_line).items():
        zh, en = _point_label(point, entries, by_line, tiers)
        instrument = (
            register.instrument(point[1])
            if register is not None and point[0] == "instrument"
            else None
        )
        kind = instrument.kind if instrument is not None else None
        mpe = instrument.accuracy.relative_mpe if instrument and instrument.accuracy else None
        if mpe is None:
            # the reading's own MPE: u = MPE·|x|/√3 for the rectangular reading of an MPE
            rectangular = [e for e in entries if e.distribution == "rectangular"]
            if not rectangular:
                continue
            mpe = max(e.u / abs(e.value) for e in rectangular if e.value) * math.sqrt(3) * 100
        better = next_better_class(mpe, kind.value if kind else None)
        if better is None:
            continue
        changes = [(e, min(e.u, abs(e.value) * better / 100 / math.sqrt(3))) for e in entries]
        found.append(
            Improvement(
                kind="meter_class",
                target=zh,
                action_zh=f"{zh}：准确度 {mpe:.3g}% → {better:g}%（高一级）",
                action_en=f"{en}: accuracy {mpe:.3g}% → {better:g}% (one class better)",
                lines=tuple(e.lines[0] for e in entries),
                variance_share=_share(base, entries),
                U_before=base.U,
                U_after=_after(base, changes),
                basis_zh=f"{kind.label_zh if kind else '计量器具'}常见准确度等级的下一级，"
                "u = MPE·|x|/√3",
                basis_en="the next class instruments of its kind "
                + (f"({kind.label_en}) " if kind else "")
                + "are made in, u = MPE·|x|/√3",
            )
        )
    return found


def _analyses(
    base: AccountingUncertainty,
    lab: list[InputSensitivity],
    by_line: dict[int, dict[str, Any]],
    tiers: dict[tuple[int, str], dict[str, Any]],
) -> list[Improvement]:
    found = []
    for point, entries in _points((e for e in lab if e.u > 0), by_line).items():
        zh, en = _point_label(point, entries, by_line, tiers)
        found.append(
            Improvement(
                kind="duplicate_analysis",
                target=zh,
                action_zh=f"{zh}：{len(entries)} 份检测各由第二家认可实验室复检、取均值",
                action_en=f"{en}: each of {len(entries)} analyses repeated by a second accredited "
                "laboratory, the mean taken",
                lines=tuple(e.lines[0] for e in entries),
                variance_share=_share(base, entries),
                U_before=base.U,
                U_after=_after(base, [(e, e.u / math.sqrt(2)) for e in entries]),
                basis_zh="两个独立结果的均值：u/√2",
                basis_en="the mean of two independent results: u/√2",
            )
        )
    return found


def _defaults(
    base: AccountingUncertainty, result: AccountingResult, coverage: float
) -> list[Improvement]:
    """Fuel lines whose carbon content is a default, given the carbon per unit heat of the
    enterprise's own qualifying analyses of that fuel."""
    lines = result.lines
    counted = lines.filter(pl.col("counted") & pl.col("carbon_content").is_not_null())
    if "carbon_tier" not in counted.columns or not counted.height:
        return []
    found = []
    for (item,), part in counted.group_by("item", maintain_order=True):
        measured = part.filter(
            (pl.col("carbon_tier") == Tier.LAB.value) & pl.col("ncv").is_not_null()
        )
        defaulted = part.filter(
            (pl.col("carbon_tier") == Tier.DEFAULT.value) & pl.col("ncv").is_not_null()
        )
        if not measured.height or not defaulted.height:
            continue
        if not all(_linear_in_carbon(str(f)) for f in defaulted["formula"].unique().to_list()):
            continue
        carbon, heat = measured.select(
            (pl.col("carbon_content") * pl.col("activity")).sum(),
            (pl.col("ncv") * pl.col("activity")).sum(),
        ).row(0)
        per_heat = float(carbon) / float(heat)
        median = measured.select((pl.col("carbon_u") / pl.col("carbon_content")).median()).item()
        stated = median is not None  # analyses without u cannot say what measuring would cost
        relative_u = float(median) if stated else 0.0
        reports = measured.height
        new_carbon = pl.col("ncv") * per_heat
        scale = new_carbon / pl.col("carbon_content")
        chosen = pl.col("line").is_in(defaulted["line"].implode())
        changed = lines.with_columns(
            carbon_content=pl.when(chosen).then(new_carbon).otherwise(pl.col("carbon_content")),
            carbon_u=pl.when(chosen).then(new_carbon * relative_u).otherwise(pl.col("carbon_u")),
            carbon_tier=pl.when(chosen)
            .then(pl.lit(Tier.LAB.value))
            .otherwise(pl.col("carbon_tier")),
            carbon_per_heat=pl.when(chosen).then(None).otherwise(pl.col("carbon_per_heat")),
            emission=pl.when(chosen).then(pl.col("emission") * scale).otherwise(pl.col("emission")),
            emission_co2e=pl.when(chosen)
            .then(pl.col("emission_co2e") * scale)
            .otherwise(pl.col("emission_co2e")),
        )
        what_if = dataclasses.replace(result, lines=changed)
        after = account_uncertainty(what_if, "gum", coverage=coverage)
        item_zh = str(defaulted["item_zh"][0] or item)
        keys = set(defaulted["line"].to_list())
        activities = {
            get_calculator(str(f)).activity_slot.name for f in defaulted["formula"].unique()
        }
        # what measuring replaces: the carbon path of those lines (the default per unit heat and
        # the NCV it multiplies), not their amounts
        replaced = [
            i
            for i in base.inputs
            if set(i.lines) & keys and i.slot not in activities and i.slot != "oxidation_rate"
        ]
        found.append(
            Improvement(
                kind="measure_default",
                target=f"{item} carbon_content",
                action_zh=f"{item_zh}：{defaulted.height} 个月的元素碳按缺省值计，改为合格检测",
                action_en=f"{item}: carbon content of {defaulted.height} month(s) taken from the "
                "default; analyse it instead",
                lines=tuple(sorted(keys)),
                variance_share=_share(base, replaced),
                U_before=base.U,
                U_after=after.U if stated else base.U,
                emission_difference=after.value - base.value,
                basis_zh=f"本企业 {reports} 份合格检测的单位热值含碳量 {per_heat * 1000:.4g} "
                f"tC/TJ（按消耗量加权）× 当月低位发热量；"
                + (
                    f"相对不确定度取其中位数 {relative_u:.2%}"
                    if stated
                    else "这些检测未给出不确定度，不按不确定度排序"
                ),
                basis_en=f"the carbon per unit heat of the enterprise's {reports} qualifying "
                f"analyses, {per_heat * 1000:.4g} tC/TJ (weighted by consumption), × the month's "
                "NCV; "
                + (
                    f"relative u their median, {relative_u:.2%}"
                    if stated
                    else "the analyses state no u, so it is not ranked by uncertainty"
                ),
            )
        )
    return found


def _linear_in_carbon(calculator_id: str) -> bool:
    """Whether the calculator's emission is a product of its inputs (so proportional to the
    carbon content): the default can then be replaced by scaling the line."""
    calculator = get_calculator(calculator_id)
    return all(step.op in PRODUCT_STEPS for step in calculator.compiled().steps)


def _calibrations(base: AccountingUncertainty, lines: pl.DataFrame) -> list[Improvement]:
    if "instrument_flag_zh" not in lines.columns:
        return []
    flagged = lines.filter(pl.col("instrument_flag_zh").is_not_null())
    found = []
    for (instrument,), part in flagged.group_by("instrument", maintain_order=True):
        months = part["month"].n_unique()
        found.append(
            Improvement(
                kind="calibration",
                target=str(instrument),
                action_zh=f"{instrument}：按期检定/校准（目前有 {months} 个月的读数不计为实测）",
                action_en=f"{instrument}: verify or calibrate on time ({months} month(s) of "
                "readings no longer count as measured)",
                lines=tuple(part["line"].to_list()),
                variance_share=0.0,
                U_before=base.U,
                U_after=base.U,
                tier_restored=float((part["emission_co2e"] * part["sign"]).sum()),
                basis_zh=str(part["instrument_flag_zh"][0]),
                basis_en=str(part["instrument_flag_en"][0]),
            )
        )
    return sorted(found, key=lambda i: abs(i.tier_restored), reverse=True)


def _unstated(
    base: AccountingUncertainty,
    lines: pl.DataFrame,
    by_line: dict[int, dict[str, Any]],
    tiers: dict[tuple[int, str], dict[str, Any]],
) -> list[Improvement]:
    """Measured amounts and laboratory values with no u: counted as exact."""
    emissions = dict(zip(lines["line"].to_list(), lines["emission_co2e"].to_list(), strict=True))
    exact = [
        entry
        for entry in base.inputs
        if entry.u == 0
        and not entry.factor
        and (tiers.get((entry.lines[0], entry.slot)) or {}).get("tier")
        in (Tier.MEASURED.value, Tier.CALCULATED.value, Tier.LAB.value)
    ]
    found = []
    for point, entries in _points(exact, by_line).items():
        zh, en = _point_label(point, entries, by_line, tiers)
        line_numbers = tuple(e.lines[0] for e in entries)
        resting = sum(emissions.get(n, 0.0) for n in line_numbers)
        found.append(
            Improvement(
                kind="state_uncertainty",
                target=zh,
                action_zh=f"{zh}：给出准确度或不确定度（{len(entries)} 个数据按无误差计）",
                action_en=f"{en}: state its accuracy or uncertainty ({len(entries)} value(s) "
                "counted as exact)",
                lines=line_numbers,
                variance_share=0.0,
                U_before=base.U,
                U_after=base.U,
                basis_zh=f"涉及排放 {resting:,.0f} tCO2e",
                basis_en=f"{resting:,.0f} tCO2e rest on them",
            )
        )
    return found
