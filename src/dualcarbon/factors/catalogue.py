"""The factor catalogue: every factor file shipped in ``factors/data``, queryable by id or text.

Versions are kept side by side. ``get("x")`` answers the newest version of ``x`` that nothing
supersedes; ``get("x@1")`` answers exactly version 1, so a stored result can always be re-read
with the factors it used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from dualcarbon.errors import DualcarbonError, FactorDataError, FactorNotFoundError
from dualcarbon.factors.model import Factor, SourceDocument
from dualcarbon.guards.safe_yaml import safe_load


class FactorCatalogue:
    def __init__(self, factors: Iterable[Factor]) -> None:
        self._by_ref: dict[str, Factor] = {}
        for factor in factors:
            if factor.ref in self._by_ref:
                raise FactorDataError(factor.source.id, factor.ref, "duplicate id and version")
            self._by_ref[factor.ref] = factor
        self._superseded = {f.supersedes for f in self._by_ref.values() if f.supersedes}
        for ref in self._superseded:
            if ref not in self._by_ref:
                raise FactorDataError("catalogue", ref, "supersedes an entry that does not exist")
        # The newest version of each id. A value superseded by another document's entry (a
        # notice lowering a guideline's default) stays the newest of its own id: methodologies
        # of the older revision keep pointing at it.
        self._current: dict[str, Factor] = {}
        for factor in sorted(self._by_ref.values(), key=lambda f: f.version):
            self._current[factor.id] = factor

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> FactorCatalogue:
        factors: list[Factor] = []
        for path in sorted(paths):
            factors.extend(load_factor_file(path))
        return cls(factors)

    def __len__(self) -> int:
        return len(self._by_ref)

    def __iter__(self) -> Iterator[Factor]:
        return iter(self._by_ref.values())

    def is_superseded(self, factor: Factor) -> bool:
        return factor.ref in self._superseded

    def get(self, key: str) -> Factor:
        """A factor by ``id`` (its newest version) or ``id@version`` (exactly that version)."""
        factor = self._by_ref.get(key) if "@" in key else self._current.get(key)
        if factor is None:
            raise FactorNotFoundError(key)
        return factor

    def versions(self, factor_id: str) -> list[Factor]:
        return sorted(
            (f for f in self._by_ref.values() if f.id == factor_id), key=lambda f: f.version
        )

    def search(
        self,
        text: str | None = None,
        *,
        kind: str | None = None,
        subject: str | None = None,
        gas: str | None = None,
        source: str | None = None,
        year: int | None = None,
        region: str | None = None,
        include_superseded: bool = False,
    ) -> list[Factor]:
        """Factors matching every given criterion; ``text`` matches id, names, subject and table."""
        needle = text.casefold() if text else None
        pool = self._by_ref.values() if include_superseded else self._current.values()
        found = []
        for factor in pool:
            if not include_superseded and self.is_superseded(factor):
                continue
            if kind and factor.kind != kind:
                continue
            if subject and factor.subject != subject:
                continue
            if gas and (factor.gas or "").casefold() != gas.casefold():
                continue
            if source and source.casefold() not in factor.source.id.casefold():
                continue
            if year is not None and factor.year != year:
                continue
            if region and factor.effective_region.casefold() != region.casefold():
                continue
            if needle and not all(word in _haystack(factor) for word in needle.split()):
                continue
            found.append(factor)
        return sorted(found, key=lambda f: (f.source.id, f.id, f.version))


def _haystack(factor: Factor) -> str:
    parts = [
        factor.id,
        factor.name_zh,
        factor.name_en,
        factor.subject,
        factor.subject.replace("_", " "),
        factor.table,
        factor.source.document,
        factor.source.document_zh or "",
        factor.gas or "",
    ]
    return " ".join(parts).casefold()


def load_factor_file(path: Path) -> list[Factor]:
    """Read one factor file; every broken rule names the file and the entry."""
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FactorDataError(str(path), None, f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or "source" not in raw or "factors" not in raw:
        raise FactorDataError(str(path), None, "needs top-level 'source' and 'factors'")
    try:
        source = SourceDocument.model_validate(raw["source"])
    except ValidationError as exc:
        raise FactorDataError(str(path), "source", _first_error(exc)) from exc
    if path.stem != source.id:
        raise FactorDataError(str(path), "source.id", f"file must be named {source.id}.yaml")
    factors = []
    for index, entry in enumerate(raw["factors"] or []):
        label = entry.get("id", f"entry {index + 1}") if isinstance(entry, dict) else str(index)
        try:
            factors.append(Factor.model_validate({**entry, "source": source}))
        except (ValidationError, DualcarbonError, TypeError) as exc:
            rule = _first_error(exc) if isinstance(exc, ValidationError) else str(exc)
            raise FactorDataError(str(path), label, rule) from exc
    return factors


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    return f"{location}: {error['msg']}" if location else error["msg"]


def data_files() -> list[Path]:
    folder = resources.files("dualcarbon.factors").joinpath("data")
    return sorted(Path(str(folder)).glob("*.yaml"))


@cache
def default_catalogue() -> FactorCatalogue:
    """The catalogue of every factor file shipped with dualcarbon (loaded once)."""
    return FactorCatalogue.from_files(data_files())
