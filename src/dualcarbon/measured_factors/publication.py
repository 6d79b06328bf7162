"""A measured factor, published: a factor file (docs/factor-data-format.md) whose entries
supersede the defaults they were checked against.

Each publication is one source document, as a notice is: its entries are new versions of the
quantity in the factor database's lineage, each naming what it supersedes — the head of the
default's chain (the default itself, or the entry of an earlier publication that superseded it).
The catalogue then keeps the old value for the results that used it and offers the new one to
searches. The published uncertainty is that of one more enterprise's true value, √(τ² + u(μ)²):
a default is applied to an enterprise, not to the nation's mean (decision 0027).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dualcarbon.errors import DualcarbonError, RefusedError
from dualcarbon.factors.catalogue import FactorCatalogue
from dualcarbon.factors.model import Factor
from dualcarbon.measured_factors.comparison import DefaultCheck


@dataclass(frozen=True)
class MeasuredSource:
    """Who publishes the measured factors, and in which document."""

    id: str
    publisher: str
    edition: str
    published: dt.date
    document: str = "Default factors checked against measured values"
    document_zh: str = "缺省排放因子实测验证"
    url: str | None = None


def head_of_chain(catalogue: FactorCatalogue, factor: Factor) -> Factor:
    """The entry that supersedes ``factor``, and so on, to the one nothing supersedes."""
    superseding: dict[str, list[Factor]] = {}
    for entry in catalogue:
        if entry.supersedes:
            superseding.setdefault(entry.supersedes, []).append(entry)
    seen = {factor.ref}
    while factor.ref in superseding:
        following = superseding[factor.ref]
        if len(following) > 1:
            refs = ", ".join(sorted(f.ref for f in following))
            raise DualcarbonError(f"{factor.ref} is superseded by more than one entry: {refs}")
        factor = following[0]
        if factor.ref in seen:
            raise DualcarbonError(f"supersession loops at {factor.ref}")
        seen.add(factor.ref)
    return factor


def rounded(value: float, u: float) -> float:
    """``value`` to the decimal place of u's second significant digit (JCGM 100 7.2.6)."""
    if not u > 0.0 or not math.isfinite(u):
        return value
    places = 1 - math.floor(math.log10(u))
    return round(value, places)


def measured_factor_file(
    checks: Sequence[DefaultCheck], source: MeasuredSource, catalogue: FactorCatalogue
) -> dict[str, Any]:
    """The factor file of the publishable checks: one entry per default, superseding the head
    of its chain. Raises when no check is publishable."""
    entries = []
    for check in checks:
        if not check.publishable:
            continue
        default = check.default
        c = check.consensus
        u = c.prediction_u
        years = check.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
        entries.append(
            {
                # named after the default it replaces: unique, and says what it measured
                "id": f"{source.id}/{default.id}",
                "version": 1,
                "kind": default.kind,
                "subject": default.subject,
                "name_zh": f"{default.name_zh}（{c.holders} 家企业实测）",
                "name_en": f"{default.name_en} ({c.holders} enterprises' measurements)",
                **({"gas": default.gas} if default.gas else {}),
                "value": rounded(c.value, u),
                "unit": default.unit,
                "uncertainty": {"u": float(f"{u:.2g}")},
                "table": f"{span} 实测 {check.n} 次，{c.holders} 家企业".strip(),
                **({"year": years[-1]} if years else {}),
                "region": default.effective_region,
                "supersedes": head_of_chain(catalogue, default).ref,
                "note": (
                    f"Consensus of {c.holders} enterprises' means ({check.n} measurements"
                    f"{', ' + span if span else ''}) by {c.method.replace('_', ' ')}: "
                    f"mu = {c.value:.6g}, u(mu) = {c.u:.3g}, tau = {c.tau:.3g} {default.unit}; "
                    f"u given is sqrt(tau^2 + u(mu)^2). Checked against {default.ref} "
                    f"({default.value:g}): bias d - mu = {check.bias:.3g}"
                    + (f", En = {check.en:.2f}" if check.en is not None else "")
                    + "."
                ),
            }
        )
    if not entries:
        raise RefusedError(
            "没有哪个缺省值有足够多企业的实测值（至少 3 家，且有不确定度），未发布任何实测因子",
            "no default has measurements of enough enterprises (at least 3, with an uncertainty) "
            "to publish a measured factor",
        )
    return {
        "source": {
            "id": source.id,
            "document": source.document,
            "document_zh": source.document_zh,
            "publisher": source.publisher,
            "edition": source.edition,
            "published": source.published.isoformat(),
            **({"url": source.url} if source.url else {}),
            "region": "CN",
            "verified": (
                f"{source.published.isoformat()}: computed by dualcarbon from the measurements "
                "it lists; this file is the publication itself"
            ),
            "confidence": "verified",
        },
        "factors": entries,
    }
