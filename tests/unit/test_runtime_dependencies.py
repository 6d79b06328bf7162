"""`make run` installs the runtime dependencies only (issue 14, item 6): every library the
package imports must be one of them, except those that an optional extra brings and that are
imported only where that extra is needed (pyspark: the CEMS pipeline's Spark engine, which says
how to install it when missing). A dev-only import slipped in once (httpx, for published
evidence heads) and `make run` failed on a fresh machine."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import dualcarbon

ROOT = Path(dualcarbon.__file__).parent
PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
OPTIONAL = {"pyspark", "pypardiso"}
"""Imported lazily where present: pyspark (the Spark engine says how to install it), pypardiso
(the footprint solver's faster factorisation, scipy's otherwise)."""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime() -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return {
        _normal(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]
    }


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"dualcarbon", "__future__"}


def test_every_import_is_a_runtime_dependency() -> None:
    distributions = packages_distributions()
    runtime = _runtime()
    missing = {}
    for module in sorted(_imported_modules()):
        names = {_normal(d) for d in distributions.get(module, [module])}
        if not names & (runtime | OPTIONAL):
            missing[module] = sorted(names)
    assert missing == {}


def test_the_test_tools_are_not_runtime_dependencies() -> None:
    assert not {"pytest", "playwright", "pyspark", "hypothesis", "schemathesis"} & _runtime()
