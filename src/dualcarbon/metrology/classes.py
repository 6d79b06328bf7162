"""The accuracy classes instruments are made in (``metrology/data/accuracy-classes.yaml``): what
one class better than the meter in service would be."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from dualcarbon.guards.safe_yaml import safe_load

TOLERANCE = 1e-9


@cache
def _classes() -> tuple[dict[str, tuple[float, ...]], tuple[float, ...]]:
    text = (
        resources.files("dualcarbon.metrology")
        .joinpath("data", "accuracy-classes.yaml")
        .read_text("utf-8")
    )
    raw: Any = safe_load(text)
    by_kind = {kind: tuple(sorted(float(c) for c in row)) for kind, row in raw["classes"].items()}
    return by_kind, tuple(sorted(float(c) for c in raw["generic"]))


def next_better_class(relative_mpe: float, kind: str | None = None) -> float | None:
    """The best-first class list's next class below ``relative_mpe`` (% of the reading) for an
    instrument of ``kind`` (the generic series when the kind is unknown or not listed); ``None``
    when the meter is already of the best class made."""
    by_kind, generic = _classes()
    ladder = by_kind.get(kind or "", generic)
    better = [c for c in ladder if c < relative_mpe - TOLERANCE]
    return better[-1] if better else None
