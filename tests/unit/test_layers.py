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
    "measured_factors",
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
    "measured_factors",
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


def _module_name(path: Path) -> str:
    parts = ("dualcarbon", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts).removesuffix(".__init__")


def _imported_at_load(tree: ast.Module) -> set[str]:
    """What a module imports while it loads: its body, classes and blocks, not its functions
    (they import when called) nor ``if TYPE_CHECKING:`` (never run). ``from a import b`` names
    both ``a`` and ``a.b``, which may be a module."""
    found: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                pending.append(child)
            elif isinstance(child, ast.ExceptHandler):
                pending.extend(child.body)
    return found


def _load_graph() -> dict[str, set[str]]:
    """Which dualcarbon modules each module loads first: what it imports at load, and its parent
    packages (Python runs ``a/__init__.py`` before ``a.b``)."""
    paths = {
        _module_name(path): path for path in ROOT.rglob("*.py") if "migrations" not in path.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        wanted = _imported_at_load(ast.parse(path.read_text(encoding="utf-8")))
        wanted |= {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        graph[name] = {
            ".".join(parts[:i])
            for parts in (imported.split(".") for imported in wanted)
            for i in range(1, len(parts) + 1)
            if ".".join(parts[:i]) in paths
        } - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without
    recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


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


def test_the_load_graph_sees_the_package_cycles() -> None:
    """A package whose ``__init__`` re-exports its modules forms a cycle with them; the graph
    must see it, or the test below would probe nothing."""
    cycles = _cycles(_load_graph())
    assert {"dualcarbon.store", "dualcarbon.store.models"} <= set().union(*cycles)
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_every_module_of_an_import_cycle_imports_first() -> None:
    """Only a module on a load cycle can fail when imported first: any other loads its
    dependencies whole before it runs. So each such module is imported first, in turn, in a
    fresh interpreter (dualcarbon's modules dropped between them)."""
    names = sorted(set().union(*_cycles(_load_graph())))
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {}
