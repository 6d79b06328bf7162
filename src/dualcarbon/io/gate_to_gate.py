"""Resolve a product system's ``gate_to_gate:`` declaration: load the inventory it names, account
and attribute it, and write the generated process into the system's mapping before it is
validated (:mod:`dualcarbon.footprint.gate_to_gate` says what is generated).

Where the inventory comes from is the caller's: :func:`file_loader` reads a file beside the
product system's own (the command line); the platform passes a loader of the facility's latest
stored inventory and result, so a corrected inventory gives the footprint its new figures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.attribution import attribute
from dualcarbon.errors import DualcarbonError, InputError, InputProblem
from dualcarbon.footprint.gate_to_gate import GateToGate, gate_to_gate_process

Loaded = tuple[Inventory, AccountingResult]
Loader = Callable[[str], Loaded]


def file_loader(base: Path) -> Loader:
    """Reads ``inventory`` as a file relative to ``base`` (YAML or Excel) and accounts it."""

    def load(name: str) -> Loaded:
        from dualcarbon.io import read_inventory

        path = (base / name).resolve()
        if not path.is_file():
            raise InputError(
                [
                    InputProblem(
                        str(path),
                        "no inventory file here (the path is relative to the product system's "
                        "file)",
                        field="gate_to_gate.inventory",
                        value=name,
                    )
                ]
            )
        inventory = read_inventory(path)
        return inventory, account(inventory)

    return load


def resolve_gate_to_gate(
    raw: Mapping[str, Any], *, source: str, load: Loader | None
) -> dict[str, Any]:
    """``raw`` with its gate-to-gate process generated (any process of that id replaced) and
    the flows it needs added; ``raw`` itself when it declares none."""
    declared = raw.get("gate_to_gate")
    if declared is None:
        return dict(raw)
    try:
        spec = GateToGate.model_validate(declared)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(
                    source,
                    error["msg"],
                    field="gate_to_gate." + ".".join(str(p) for p in error["loc"]),
                )
                for error in exc.errors()
            ]
        ) from None
    if load is None:
        raise InputError(
            [InputProblem(source, "no inventory can be read here", field="gate_to_gate")]
        )
    try:
        inventory, result = load(spec.inventory)
        year = period_year(raw)
        if year is not None and inventory.header.year != year:
            raise InputError(
                [
                    InputProblem(
                        source,
                        f"the inventory is of {inventory.header.year}, the product system's "
                        f"period of {year}",
                        field="gate_to_gate.inventory",
                        value=spec.inventory,
                    )
                ]
            )
        attribution = attribute(inventory, result, shared_units=spec.shared_units)
        process, flows = gate_to_gate_process(spec, attribution, result)
    except InputError:
        raise
    except (DualcarbonError, ValueError) as exc:
        raise InputError(
            [InputProblem(source, str(exc), field="gate_to_gate", value=spec.inventory)]
        ) from None
    resolved = dict(raw)
    processes = [p for p in raw.get("processes") or [] if not _is(p, spec.into)]
    resolved["processes"] = [*processes, process]
    known = {f.get("id"): f for f in raw.get("flows") or [] if isinstance(f, Mapping)}
    problems = [
        InputProblem(
            source,
            f"flow {flow['id']!r} is generated as fossil {flow['gas']}: a flow of that id must "
            "be the same gas and origin (or leave it to the generator)",
            field="flows",
            value=flow["id"],
        )
        for flow in flows
        if flow["id"] in known
        and (known[flow["id"]].get("gas"), known[flow["id"]].get("origin", "fossil"))
        != (flow["gas"], "fossil")
    ]
    if problems:
        raise InputError(problems)
    resolved["flows"] = [*(raw.get("flows") or []), *(f for f in flows if f["id"] not in known)]
    resolved["gate_to_gate"] = spec.model_copy(
        update={"digest": attribution.inventory_digest}
    ).model_dump(mode="json", exclude_none=True)
    return resolved


def _is(process: object, process_id: str) -> bool:
    return isinstance(process, Mapping) and process.get("id") == process_id


def period_year(raw: Mapping[str, Any]) -> int | None:
    """The year a product system's period starts in, where the mapping gives one."""
    period = raw.get("period")
    start = str(period.get("start", "")) if isinstance(period, Mapping) else ""
    return int(start[:4]) if start[:4].isdigit() else None
