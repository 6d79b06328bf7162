"""The CBAM declaration file of an installation (:mod:`dualcarbon.cbam.declaration`), and where
its inventories are read from: files beside it (:func:`file_sources`), or on the platform the
facility's newest stored result (the API passes its own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.attribution import Attribution, attribute
from dualcarbon.cbam.declaration import Actual, Declaration
from dualcarbon.cbam.see import Source
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.yaml_file import read_yaml_mapping


def read_declaration(path: Path) -> Declaration:
    """The declaration in ``path``; every problem at once as an InputError."""
    raw = read_yaml_mapping(path, what="a CBAM declaration (a mapping)")
    return declaration_from_mapping(raw, source=str(path))


def declaration_from_mapping(raw: object, *, source: str) -> Declaration:
    try:
        return Declaration.model_validate(raw)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(
                    source,
                    str(error["msg"]),
                    field=".".join(str(p) for p in error["loc"]),
                    value=None if isinstance(error.get("input"), dict) else error.get("input"),
                )
                for error in exc.errors()
            ]
        ) from None


def sources(
    load: Callable[[str], tuple[Inventory, AccountingResult]], year: int | None = None
) -> Callable[[Actual], Source]:
    """Each ``actual`` answered from ``load`` (inventory name → inventory and result), each
    inventory loaded and attributed once; an inventory of another ``year`` than the
    declaration's is refused."""
    loaded: dict[str, tuple[Inventory, AccountingResult]] = {}
    attributed: dict[tuple[str, tuple[str, ...]], Attribution] = {}

    def source(actual: Actual) -> Source:
        if actual.inventory not in loaded:
            found = load(actual.inventory)
            if year is not None and found[0].header.year != year:
                raise InputError(
                    [
                        InputProblem(
                            "declaration",
                            f"the inventory is of {found[0].header.year}, the declaration of "
                            f"{year}",
                            field="actual.inventory",
                            value=actual.inventory,
                        )
                    ]
                )
            loaded[actual.inventory] = found
        inventory, result = loaded[actual.inventory]
        if actual.process is None:
            return None, result
        key = (actual.inventory, actual.shared_units)
        if key not in attributed:
            attributed[key] = attribute(inventory, result, shared_units=actual.shared_units)
        return attributed[key], result

    return source


def file_sources(base: Path, year: int | None = None) -> Callable[[Actual], Source]:
    """Inventories as files relative to ``base`` (YAML or Excel), accounted here."""

    def load(name: str) -> tuple[Inventory, AccountingResult]:
        from dualcarbon.io import read_inventory

        path = (base / name).resolve()
        if not path.is_file():
            raise InputError(
                [
                    InputProblem(
                        str(path),
                        "no inventory file here (the path is relative to the declaration)",
                        field="actual.inventory",
                        value=name,
                    )
                ]
            )
        inventory = read_inventory(path)
        return inventory, account(inventory)

    return sources(load, year)
