r"""Attribute an accounting result's lines to the process instances of its methodology.

The methodology declares its process levels (:mod:`dualcarbon.methodologies.processes`). For
each process the inventory's output table gives the instances (the distinct ``unit`` values of
the product's output column) and their output per month. Each line of the result then goes:

* whole (share 1) to the instance whose ``unit`` it carries, when the process lists its source;
* split, when it is a facility-level line (unit ``all``, the tables' default: a fence meter)
  whose source some process lists: to instance :math:`i` of those processes, in month :math:`m`,

  .. math:: s_{i,m} = \frac{Q_{i,m}}{\sum_j Q_{j,m}}

  with :math:`Q` the product's output in month :math:`m` (the methodology's ``shared_lines``:
  physical, by output; ISO 14044:2006 4.3.4.2);
* nowhere otherwise — a unit that is no instance (an aluminium smelter's casting shop), a source
  no process lists: listed in :attr:`Attribution.unattributed` with the reason.

An attributed line keeps its line number, source, gas, sign, whether the guideline counts it,
and the references of its inputs: the evidence (meters, lab reports, settlement bills) and the
factors (defaults with their versions), so a footprint or a CBAM report built on it cites the
same evidence as the inventory.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.errors import DualcarbonError
from dualcarbon.methodologies.definition import Methodology, get_methodology
from dualcarbon.methodologies.processes import ProductionProcess
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.units import conversion_factor

FACILITY_UNITS = frozenset({"all", ""})
"""The ``unit`` of a facility-level line: the tables' default ``all`` (a fence meter)."""


class AttributionError(DualcarbonError, ValueError):
    """The result cannot be attributed: its methodology names no process, or the inventory does
    not belong to the result."""


@dataclass(frozen=True)
class ProcessInstance:
    """One instance of a process level (``clinker_line`` ``1#线``) and its product's output."""

    process: str
    instance: str
    product: str
    unit: str
    output_by_month: dict[int, float]
    evidence: tuple[str, ...]
    """References of the output's measurement (the output column's ``_ref``), as typed."""

    @property
    def output(self) -> float:
        return math.fsum(self.output_by_month.values())


@dataclass(frozen=True)
class AttributedLine:
    """A line of the result, or its share, at one process instance."""

    line: int
    process: str
    instance: str
    share: float
    source: str
    item: str
    """What the line is of: the fuel, the material, the clinker type."""
    month: int
    gas: str
    counted: bool
    sign: int
    emission: float
    """The gas's mass × share [t], unsigned as the line has it."""
    emission_co2e: float
    """× share [tCO2e], unsigned."""
    activity: float | None
    """The line's activity × share, in ``activity_unit``."""
    activity_unit: str | None
    evidence: tuple[str, ...]
    """References of the line's measured and analysed inputs."""
    factors: tuple[str, ...]
    """Factor refs (``id@version``) of the defaults the line used."""

    @property
    def signed_co2e(self) -> float:
        return self.sign * self.emission_co2e


@dataclass(frozen=True)
class Unattributed:
    line: int
    source: str
    unit: str
    reason: str


@dataclass(frozen=True)
class Attribution:
    """A result attributed to its methodology's processes (module docstring)."""

    methodology: Methodology
    inventory_digest: str
    organisation: str
    facility: str
    year: int
    instances: tuple[ProcessInstance, ...]
    lines: tuple[AttributedLine, ...]
    unattributed: tuple[Unattributed, ...]

    def process(self, process_id: str) -> ProductionProcess:
        for process in self.methodology.processes:
            if process.id == process_id:
                return process
        known = [p.id for p in self.methodology.processes]
        raise AttributionError(f"{self.methodology.id} has no process {process_id!r}; {known}")

    def instances_of(self, process: str, instance: str | None = None) -> list[ProcessInstance]:
        self.process(process)
        found = [
            i
            for i in self.instances
            if i.process == process and (instance is None or i.instance == instance)
        ]
        if instance is not None and not found:
            names = [i.instance for i in self.instances if i.process == process]
            raise AttributionError(f"process {process!r} has no instance {instance!r}; {names}")
        return found

    def lines_of(self, process: str, instance: str | None = None) -> list[AttributedLine]:
        names = {i.instance for i in self.instances_of(process, instance)}
        return [a for a in self.lines if a.process == process and a.instance in names]

    def output(self, process: str, instance: str | None = None) -> float:
        return math.fsum(i.output for i in self.instances_of(process, instance))

    def direct(self, process: str, instance: str | None = None) -> float:
        """The counted direct emissions attributed [tCO2e], deductions subtracted (purchased
        electricity and heat are indirect, whether the guideline counts them or not)."""
        energy = indirect_sources(self.methodology) | exported_sources(self.methodology)
        return math.fsum(
            a.signed_co2e
            for a in self.lines_of(process, instance)
            if a.counted and a.source not in energy
        )


def attribute(
    inventory: Inventory,
    result: AccountingResult,
    methodology: Methodology | None = None,
    *,
    shared_units: Iterable[str] = (),
) -> Attribution:
    """Attribute ``result``, the account of ``inventory``, to its methodology's processes.

    ``shared_units`` are units of the inventory that serve every instance (an aluminium
    smelter's casting shop, which IR 2025/2547 Annex I 3.17.2 puts inside the aluminium
    boundary): their lines are split by output as the facility's are."""
    if result.meta.inventory_digest != inventory.digest():
        raise AttributionError(
            "the result was not computed from this inventory (digests differ): account it again"
        )
    methodology = methodology or get_methodology(result.meta.methodology.split("@", 1)[0])
    if not methodology.processes:
        raise AttributionError(
            f"methodology {methodology.id} declares no production processes to attribute to; "
            "for a single-process installation leave `process` out (the whole inventory)"
        )
    facility_units = FACILITY_UNITS | frozenset(shared_units)
    instances = _instances(inventory, methodology.processes)
    by_name: dict[str, list[ProcessInstance]] = defaultdict(list)
    for found in instances:
        by_name[found.instance].append(found)
    references = line_references(result)
    lines: list[AttributedLine] = []
    unattributed: list[Unattributed] = []
    for row in result.lines.iter_rows(named=True):
        source, unit, month = row["source"], row["unit"], int(row["month"])
        own = [i for i in by_name.get(unit, ()) if source in _process(methodology, i).sources]
        if own:
            lines += [_attributed(row, i.process, i.instance, 1.0, references) for i in own]
            continue
        if unit in by_name:
            unattributed.append(
                Unattributed(
                    row["line"], source, unit, "the process of this unit does not list the source"
                )
            )
            continue
        if unit not in facility_units:
            unattributed.append(
                Unattributed(row["line"], source, unit, "the unit is no instance of a process")
            )
            continue
        takers = [i for i in instances if source in _process(methodology, i).sources]
        if not takers:
            unattributed.append(
                Unattributed(row["line"], source, unit, "no process lists the source")
            )
            continue
        total = math.fsum(i.output_by_month.get(month, 0.0) for i in takers)
        if total <= 0:
            unattributed.append(
                Unattributed(
                    row["line"], source, unit, f"no output in month {month} to split the line by"
                )
            )
            continue
        lines += [
            _attributed(
                row, i.process, i.instance, i.output_by_month.get(month, 0.0) / total, references
            )
            for i in takers
            if i.output_by_month.get(month, 0.0) > 0
        ]
    header = inventory.header
    return Attribution(
        methodology=methodology,
        inventory_digest=result.meta.inventory_digest,
        organisation=header.organisation,
        facility=header.facility,
        year=header.year,
        instances=tuple(instances),
        lines=tuple(lines),
        unattributed=tuple(unattributed),
    )


def indirect_sources(methodology: Methodology) -> frozenset[str]:
    """The source kinds of bought energy (purchased electricity and heat): indirect emissions."""
    return _energy_sources(methodology, "purchased")


def exported_sources(methodology: Methodology) -> frozenset[str]:
    """The source kinds of energy sold (a deduction where a guideline counts it): no emission
    of the process's own."""
    return _energy_sources(methodology, "exported")


def heat_sources(methodology: Methodology) -> frozenset[str]:
    """The source kinds of purchased heat."""
    return _energy_sources(methodology, "purchased", ("heat",))


def electricity_sources(methodology: Methodology) -> frozenset[str]:
    """The source kinds of purchased electricity."""
    return _energy_sources(methodology, "purchased", ("electricity",))


def _energy_sources(
    methodology: Methodology, direction: str, tables: tuple[str, ...] = ("electricity", "heat")
) -> frozenset[str]:
    return frozenset(
        rule.kind
        for rule in methodology.sources
        if rule.table_name in tables and rule.direction == direction
    )


def _process(methodology: Methodology, instance: ProcessInstance) -> ProductionProcess:
    return next(p for p in methodology.processes if p.id == instance.process)


def _instances(
    inventory: Inventory, processes: Iterable[ProductionProcess]
) -> list[ProcessInstance]:
    out = []
    for process in processes:
        product = process.product
        frame = inventory.table(product.table)
        if frame.is_empty():
            continue
        ref_column = f"{product.column}_ref"
        column_unit = TABLES[product.table].column(product.column).unit or product.unit
        scale = conversion_factor(column_unit, product.unit, quantity_name=product.column)
        for (unit,), rows in frame.group_by("unit", maintain_order=True):
            months: dict[int, float] = defaultdict(float)
            for month, amount in rows.select("month", product.column).iter_rows():
                if amount is not None:
                    months[int(month)] += float(amount) * scale
            evidence: tuple[str, ...] = ()
            if ref_column in rows.columns:
                evidence = tuple(dict.fromkeys(r for r in rows[ref_column].to_list() if r))
            out.append(
                ProcessInstance(
                    process=process.id,
                    instance=str(unit),
                    product=product.id,
                    unit=product.unit,
                    output_by_month=dict(sorted(months.items())),
                    evidence=evidence,
                )
            )
    return out


def line_references(result: AccountingResult) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per line: (evidence refs of measured and analysed inputs, factor refs of defaults)."""
    inputs = result.inputs.filter(~pl.col("derived") & pl.col("reference").is_not_null())
    found: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for line, tier, reference in inputs.select("line", "tier", "reference").iter_rows():
        if not reference:
            continue
        evidence, factors = found[int(line)]
        target = factors if tier == "default" else evidence
        if reference not in target:
            target.append(reference)
    return {line: (tuple(e), tuple(f)) for line, (e, f) in found.items()}


def whole_lines(result: AccountingResult) -> list[AttributedLine]:
    """Every line of ``result`` as one process's, whole: a single-process installation (a
    re-rolling mill whose inventory is its reheating furnace)."""
    references = line_references(result)
    return [
        _attributed(row, "installation", "installation", 1.0, references)
        for row in result.lines.iter_rows(named=True)
    ]


def _attributed(
    row: dict[str, object],
    process: str,
    instance: str,
    share: float,
    references: dict[int, tuple[tuple[str, ...], tuple[str, ...]]],
) -> AttributedLine:
    line = int(row["line"])  # type: ignore[call-overload]
    activity = row.get("activity")
    evidence, factors = references.get(line, ((), ()))
    return AttributedLine(
        line=line,
        process=process,
        instance=instance,
        share=share,
        source=str(row["source"]),
        item=str(row.get("item") or ""),
        month=int(row["month"]),  # type: ignore[call-overload]
        gas=str(row["gas"]),
        counted=bool(row["counted"]),
        sign=int(row["sign"]),  # type: ignore[call-overload]
        emission=float(row["emission"]) * share,  # type: ignore[arg-type]
        emission_co2e=float(row["emission_co2e"]) * share,  # type: ignore[arg-type]
        activity=None if activity is None else float(activity) * share,  # type: ignore[arg-type]
        activity_unit=None if row.get("activity_unit") is None else str(row["activity_unit"]),
        evidence=evidence,
        factors=factors,
    )


def line_ranges(numbers: Iterable[int]) -> str:
    """Line numbers as a reader cites them: ``37–48, 61–72``."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)
