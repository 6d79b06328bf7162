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
    load: Callable[[str], tuple[Inventory, AccountingResult]],
) -> Callable[[Actual], Source]:
    """Each ``actual`` answered from ``load`` (inventory name → inventory and result), each
    inventory loaded and attributed once."""
    loaded: dict[str, tuple[Inventory, AccountingResult]] = {}
    attributed: dict[str, Attribution] = {}

    def source(actual: Actual) -> Source:
        if actual.inventory not in loaded:
            loaded[actual.inventory] = load(actual.inventory)
        inventory, result = loaded[actual.inventory]
        if actual.process is None:
            return None, result
        if actual.inventory not in attributed:
            attributed[actual.inventory] = attribute(inventory, result)
        return attributed[actual.inventory], result

    return source


def file_sources(base: Path) -> Callable[[Actual], Source]:
    """Inventories as files relative to ``base`` (YAML or Excel), accounted here."""

    def load(name: str) -> tuple[Inventory, AccountingResult]:
        from dualcarbon.io import read_inventory

        path = (base / name).resolve()
        if not path.is_file():
            raise InputError(
                [
                    InputProblem(
                        str(base), "no inventory file here", field="actual.inventory", value=name
                    )
                ]
            )
        inventory = read_inventory(path)
        return inventory, account(inventory)

    return sources(load)
