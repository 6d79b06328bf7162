"""The standard uncertainty of what a process instance was attributed, by source.

Lines a process instance holds whole are propagated together through their equations
(:func:`dualcarbon.accounting.uncertainty.account_uncertainty` on those lines alone), so inputs
they share — one default carbon content behind every month's coal — stay fully correlated, as in
the enterprise's own budget. A shared line contributes its own standard uncertainty times its
share, independent of the rest (the share itself is taken as exact). Lines the guideline does
not count (purchased electricity, reported separately) carry the uncertainty of their activity
alone: the factor's is the footprint's or the CBAM report's to add, by the factor it uses.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict

import polars as pl

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.accounting.uncertainty import account_uncertainty
from dualcarbon.attribution.attribute import AttributedLine


def source_uncertainty(result: AccountingResult, lines: list[AttributedLine]) -> dict[str, float]:
    """Standard uncertainty [tCO2e] of each source's counted emissions among ``lines``."""
    whole = sorted({a.line for a in lines if a.counted and a.share == 1.0})
    shared = [a for a in lines if a.counted and a.share != 1.0]
    variance: dict[str, float] = defaultdict(float)
    if whole:
        part = dataclasses.replace(result, lines=result.lines.filter(pl.col("line").is_in(whole)))
        for source in account_uncertainty(part).by_source:
            variance[source.source] += source.u**2
    if shared:
        line_u = dict(account_uncertainty(result).line_u)
        for a in shared:
            variance[a.source] += (line_u.get(a.line, 0.0) * a.share) ** 2
    return {source: math.sqrt(v) for source, v in variance.items()}


def activity_uncertainty(result: AccountingResult, lines: list[AttributedLine]) -> float:
    """Standard uncertainty of the summed activity of ``lines`` [their activity unit], each
    line's meter independent of the others'."""
    wanted = {a.line: a.share for a in lines}
    inputs = result.inputs.filter(
        pl.col("line").is_in(list(wanted)) & (pl.col("slot") == "activity")
    )
    variance = 0.0
    for line, u in inputs.select("line", "u").iter_rows():
        if u is not None:
            variance += (float(u) * wanted[int(line)]) ** 2
    return math.sqrt(variance)
