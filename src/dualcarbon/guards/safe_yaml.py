"""The one YAML loader of dualcarbon: PyYAML's safe loader, with aliases bounded.

YAML anchors and aliases (YAML 1.1 §3.2.2.2 "Anchors and Aliases") let a node be repeated by
reference. PyYAML builds the reference, not a copy, so loading an alias bomb ("billion laughs":
ten aliases of ten aliases of …) is quick; but whatever then walks the data — validation, the
NUL check, JSON output, the accounting itself — visits every copy. A 452-byte file took 25 s,
ten times longer per extra line. SnakeYAML answered the same attack (CVE-2017-18640) with a
bound on aliases, go-yaml (CVE-2019-11253) with a bound on the expansion they cause.

:class:`SafeLoader` counts, once the document is composed and before anything is built from it,
how many nodes the document would have with every alias written out in full, and refuses it with
:class:`AliasLimitError` (a :class:`yaml.YAMLError`, so every reader's existing handler names the
file) if aliases add more than :data:`MAX_ALIAS_NODES` nodes, or if an alias names a node that
contains it (a recursive document, which no reader can walk to its end). Counting takes one pass
over the distinct nodes, whatever the expansion.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import MappingNode, Node, SequenceNode

from dualcarbon.errors import DualcarbonError

MAX_ALIAS_NODES = 10_000
"""Nodes that aliases may add to a document, beyond the nodes written in it (docs/decisions/
0009-input-limits.md). Anchors that name a few defaults reused a few hundred times stay well
within it."""

_HUGE = 1 << 62
"""Expanded sizes are capped here, so that a bomb's count stays a small integer."""


class AliasLimitError(DualcarbonError, ComposerError):
    """A document whose aliases expand it past the bound, or that contains itself."""


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def alias_expansion(root: Node) -> int:
    """How many nodes aliases add to the document under ``root``: its size with every alias
    written out, less the nodes it holds. Raises :class:`AliasLimitError` if a node contains
    itself. Iterative, so a deeply nested document cannot exhaust the stack here."""
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            entered.discard(key)
            sizes[key] = min(_HUGE, 1 + sum(sizes[id(child)] for child in _children(node)))
            continue
        if key in sizes:
            continue
        if key in entered:
            raise AliasLimitError(
                None,
                None,
                "an alias refers to a node that contains it (a recursive document)",
                node.start_mark,
            )
        entered.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)] - len(sizes)


class SafeLoader(yaml.SafeLoader):
    """:class:`yaml.SafeLoader` refusing documents that aliases expand by more than
    ``max_alias_nodes`` nodes. Subclass it, not :class:`yaml.SafeLoader`, for a loader of one's
    own (readers with their own constructors or resolvers do)."""

    max_alias_nodes = MAX_ALIAS_NODES

    def compose_document(self) -> Node | None:
        node: Node | None = super().compose_document()
        if node is not None:
            added = alias_expansion(node)
            if added > self.max_alias_nodes:
                shown = f"{added:,}" if added < _HUGE // 2 else "astronomically many"
                raise AliasLimitError(
                    None,
                    None,
                    f"aliases would repeat {shown} nodes, more than the {self.max_alias_nodes:,} "
                    "accepted (an alias bomb, or anchors to write out)",
                    node.start_mark,
                )
        return node


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load`` with aliases bounded: what every YAML reader of dualcarbon calls."""
    return yaml.load(text, Loader=SafeLoader)
