"""The layers import one way (issue 13, item 9; decision 0014): the domain and the store never
import the web layers (``api``, ``web``, ``server``, ``cli``, ``demo``); the domain core holds no
readers, writers or store access (those are in ``io``, ``store`` and ``ledger``); no two packages
import each other, even through a third; and every module imports on its own, first, in a fresh
interpreter (an import cycle shows only when a cycle's module is imported first:
``import dualcarbon.pact.repository`` failed while ``dualcarbon.api`` loaded)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import dualcarbon

ROOT = Path(dualcarbon.__file__).parent
WEB = ("api", "web", "server", "cli", "demo")
DOMAIN = (
    "accounting",
    "attribution",
    "cbam",
    "disclosure",
    "gas",
    "methodologies",
    "factors",
    "footprint",
    "metrology",
    "parks",
    "rollup",
    "cems",
    "ledger",
    "store",
    "uncertainty",
    "pact",
    "projects",
    "reports",
    "verification",
    "io",
    "guards",
)
CORE = (
    "accounting",
    "attribution",
    "cbam",
    "disclosure",
    "gas",
    "methodologies",
    "factors",
    "footprint",
    "metrology",
    "parks",
    "projects",
    "rollup",
    "uncertainty",
)
"""The domain proper: pure computation on data, no files of the user's, no database."""
FORBIDDEN_IN_CORE = (
    "dualcarbon.io",
    "dualcarbon.store",
    "dualcarbon.ledger",
    "openpyxl",
    "sqlalchemy",
    "csv",
    "zipfile",
)


def _modules(package: str) -> list[str]:
    folder = ROOT / package
    return sorted(
        "dualcarbon."
        + ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts
    )


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_domain_never_imports_the_web_layers() -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imported(path)
            if any(name == f"dualcarbon.{w}" or name.startswith(f"dualcarbon.{w}.") for w in WEB)
        )
        for package in DOMAIN
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_the_domain_core_reads_and_writes_no_files_of_the_user() -> None:
    """Readers and writers of inventories, registers and product models live in ``io``; keeping
    a run in ``ledger``, a register in ``store``. The core reads only its own shipped data, through
    ``guards`` (safe YAML)."""
    offending = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imported(path)
            if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN_IN_CORE)
        )
        for package in CORE
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offending.items() if names} == {}


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if len(parts) < 2 or "migrations" in parts:
            continue
        for name in _imported(path):
            target = name.split(".")[1] if name.startswith("dualcarbon.") else None
            if target and target != parts[0] and (ROOT / target).is_dir():
                graph.setdefault(parts[0], set()).add(target)
    return graph


def test_no_two_packages_import_each_other() -> None:
    """Imports inside functions count too: a lazy import hides a cycle, it does not remove it."""
    graph = _package_graph()
    cycles = []
    for start in graph:
        stack = [(start, (start,))]
        while stack:
            node, path = stack.pop()
            for target in graph.get(node, ()):
                if target == start:
                    cycles.append(" → ".join((*path, start)))
                elif target not in path:
                    stack.append((target, (*path, target)))
    assert cycles == []


_PROBE = """
import importlib, json, sys, traceback
failed = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "dualcarbon" or m.startswith("dualcarbon.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps(failed))
"""


def test_every_domain_module_imports_first() -> None:
    names = [name for package in DOMAIN for name in _modules(package)]
    assert "dualcarbon.pact.repository" in names
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {}
